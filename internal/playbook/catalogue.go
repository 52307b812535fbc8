package playbook

// texts are the words a new playbook starts with in one language: default labels and the
// templates' cards. Admins edit them freely afterwards.
type texts struct {
	BotName         string
	FieldLabel      map[FieldType]string
	FieldHolder     map[FieldType]string
	ConsentCheckbox string

	// "Chat with your leads" (live_chat)
	LiveChatTitle, LiveChatAbout                 string
	Greeting, HowCanWeHelp                       string
	TalkToSomeone, JustLooking, JustLookingReply string
	Online, Offline, AskEmail, ThanksLater       string
	ChatLeadTitle                                string

	// lead_qualification
	QualifyTitle, QualifyAbout                      string
	WhatBrings, WantToBuy, NeedHelp, NeedHelpReply  string
	AskName, AskCompany, CompanySize, Small, Large  string
	SmallReply, LargeReply, QualifiedLeadTitle      string
	ContactTitle, ContactAbout, ContactIntro        string
	AskMessage, MessageLabel, MessageHolder, Thanks string
	ContactLeadTitle                                string
}

// catalogue holds texts for every language in Languages.
var catalogue = map[string]*texts{
	"en": {
		BotName:    "Assistant",
		FieldLabel: map[FieldType]string{NameField: "Name", EmailField: "Email", PhoneField: "Phone", CompanyField: "Company"},
		FieldHolder: map[FieldType]string{NameField: "Jane Doe", EmailField: "you@example.com", PhoneField: "+1 555 0100",
			CompanyField: "Example Ltd"},
		ConsentCheckbox: "I agree to the processing of my data",

		LiveChatTitle:    "Chat with your leads",
		LiveChatAbout:    "Greet visitors, ask how you can help and hand them to an agent; when nobody is free, ask for their email address.",
		Greeting:         "Hi there! 👋 Welcome.",
		HowCanWeHelp:     "How can we help?",
		TalkToSomeone:    "Talk to someone",
		JustLooking:      "I'm just looking",
		JustLookingReply: "Sure, take your time. We're here if you need us.",
		Online:           "One moment, a colleague will be with you shortly.",
		Offline:          "Sorry, nobody is free right now. Leave your email address and we'll get back to you.",
		AskEmail:         "What's your email address?",
		ThanksLater:      "Thank you! We'll get back to you as soon as we can.",
		ChatLeadTitle:    "Website chat",

		QualifyTitle:       "Qualify your leads",
		QualifyAbout:       "Ask visitors what brings them here, collect name, email and company, and qualify them by company size.",
		WhatBrings:         "What brings you here today?",
		WantToBuy:          "I'd like to buy",
		NeedHelp:           "I need help",
		NeedHelpReply:      "Our help centre has answers to the most common questions. If you don't find yours, just write to us here.",
		AskName:            "What's your name?",
		AskCompany:         "Which company do you work for?",
		CompanySize:        "How many people work at your company?",
		Small:              "1 to 10",
		Large:              "More than 10",
		SmallReply:         "Thanks! We'll send you some material that fits teams of your size.",
		LargeReply:         "Thanks! Someone from our sales team will contact you shortly.",
		QualifiedLeadTitle: "Qualified lead from the website",

		ContactTitle:     "Contact form (offline only)",
		ContactAbout:     "A simple form: name, email and a message, which becomes a lead. Never connects to an agent.",
		ContactIntro:     "Leave us a message and we'll get back to you by email.",
		AskMessage:       "How can we help you?",
		MessageLabel:     "Message",
		MessageHolder:    "Your message",
		Thanks:           "Thank you! We'll get back to you soon.",
		ContactLeadTitle: "Contact form",
	},
	"de": {
		BotName:    "Assistent",
		FieldLabel: map[FieldType]string{NameField: "Name", EmailField: "E-Mail", PhoneField: "Telefon", CompanyField: "Firma"},
		FieldHolder: map[FieldType]string{NameField: "Erika Mustermann", EmailField: "sie@beispiel.de", PhoneField: "+49 30 123456",
			CompanyField: "Beispiel GmbH"},
		ConsentCheckbox: "Ich bin mit der Verarbeitung meiner Daten einverstanden",

		LiveChatTitle:    "Mit Ihren Leads chatten",
		LiveChatAbout:    "Besucher begrüßen, fragen, wie Sie helfen können, und sie an einen Mitarbeiter übergeben; ist niemand frei, nach der E-Mail-Adresse fragen.",
		Greeting:         "Hallo! 👋 Willkommen.",
		HowCanWeHelp:     "Wie können wir helfen?",
		TalkToSomeone:    "Mit jemandem sprechen",
		JustLooking:      "Ich schaue mich nur um",
		JustLookingReply: "Lassen Sie sich Zeit. Wir sind hier, wenn Sie uns brauchen.",
		Online:           "Einen Moment, gleich ist eine Kollegin oder ein Kollege für Sie da.",
		Offline:          "Leider ist gerade niemand frei. Hinterlassen Sie Ihre E-Mail-Adresse, wir melden uns bei Ihnen.",
		AskEmail:         "Wie lautet Ihre E-Mail-Adresse?",
		ThanksLater:      "Danke! Wir melden uns so bald wie möglich.",
		ChatLeadTitle:    "Website-Chat",

		QualifyTitle:       "Leads qualifizieren",
		QualifyAbout:       "Besucher nach ihrem Anliegen fragen, Name, E-Mail und Firma erfassen und nach Firmengröße qualifizieren.",
		WhatBrings:         "Was führt Sie heute zu uns?",
		WantToBuy:          "Ich möchte kaufen",
		NeedHelp:           "Ich brauche Hilfe",
		NeedHelpReply:      "In unserem Hilfe-Center finden Sie Antworten auf die häufigsten Fragen. Wenn nicht, schreiben Sie uns einfach hier.",
		AskName:            "Wie heißen Sie?",
		AskCompany:         "Für welche Firma arbeiten Sie?",
		CompanySize:        "Wie viele Menschen arbeiten in Ihrer Firma?",
		Small:              "1 bis 10",
		Large:              "Mehr als 10",
		SmallReply:         "Danke! Wir schicken Ihnen Unterlagen, die zu Teams Ihrer Größe passen.",
		LargeReply:         "Danke! Jemand aus unserem Vertrieb meldet sich in Kürze bei Ihnen.",
		QualifiedLeadTitle: "Qualifizierter Lead von der Website",

		ContactTitle:     "Kontaktformular (nur offline)",
		ContactAbout:     "Ein einfaches Formular: Name, E-Mail und Nachricht, daraus wird ein Lead. Verbindet nie mit einem Mitarbeiter.",
		ContactIntro:     "Hinterlassen Sie uns eine Nachricht, wir antworten Ihnen per E-Mail.",
		AskMessage:       "Wie können wir Ihnen helfen?",
		MessageLabel:     "Nachricht",
		MessageHolder:    "Ihre Nachricht",
		Thanks:           "Danke! Wir melden uns bald bei Ihnen.",
		ContactLeadTitle: "Kontaktformular",
	},
	"nl": {
		BotName:    "Assistent",
		FieldLabel: map[FieldType]string{NameField: "Naam", EmailField: "E-mail", PhoneField: "Telefoon", CompanyField: "Bedrijf"},
		FieldHolder: map[FieldType]string{NameField: "Jan Jansen", EmailField: "jij@voorbeeld.nl", PhoneField: "+31 20 123 4567",
			CompanyField: "Voorbeeld B.V."},
		ConsentCheckbox: "Ik ga akkoord met de verwerking van mijn gegevens",

		LiveChatTitle:    "Chat met je leads",
		LiveChatAbout:    "Begroet bezoekers, vraag hoe je kunt helpen en verbind ze met een medewerker; is er niemand vrij, vraag dan hun e-mailadres.",
		Greeting:         "Hallo! 👋 Welkom.",
		HowCanWeHelp:     "Waarmee kunnen we je helpen?",
		TalkToSomeone:    "Met iemand praten",
		JustLooking:      "Ik kijk alleen even rond",
		JustLookingReply: "Neem gerust de tijd. We zijn er als je ons nodig hebt.",
		Online:           "Een moment, een collega is zo bij je.",
		Offline:          "Sorry, er is nu niemand vrij. Laat je e-mailadres achter, dan nemen we contact met je op.",
		AskEmail:         "Wat is je e-mailadres?",
		ThanksLater:      "Bedankt! We nemen zo snel mogelijk contact met je op.",
		ChatLeadTitle:    "Websitechat",

		QualifyTitle:       "Leads kwalificeren",
		QualifyAbout:       "Vraag bezoekers waarvoor ze komen, verzamel naam, e-mail en bedrijf en kwalificeer ze op bedrijfsgrootte.",
		WhatBrings:         "Wat brengt je hier vandaag?",
		WantToBuy:          "Ik wil iets kopen",
		NeedHelp:           "Ik heb hulp nodig",
		NeedHelpReply:      "In ons helpcentrum vind je antwoorden op de meest gestelde vragen. Staat jouw vraag er niet bij, schrijf ons dan hier.",
		AskName:            "Wat is je naam?",
		AskCompany:         "Voor welk bedrijf werk je?",
		CompanySize:        "Hoeveel mensen werken er bij je bedrijf?",
		Small:              "1 tot 10",
		Large:              "Meer dan 10",
		SmallReply:         "Bedankt! We sturen je informatie die past bij teams van jouw grootte.",
		LargeReply:         "Bedankt! Iemand van ons salesteam neemt binnenkort contact met je op.",
		QualifiedLeadTitle: "Gekwalificeerde lead van de website",

		ContactTitle:     "Contactformulier (alleen offline)",
		ContactAbout:     "Een eenvoudig formulier: naam, e-mail en een bericht, dat een lead wordt. Verbindt nooit met een medewerker.",
		ContactIntro:     "Laat een bericht achter, dan antwoorden we je per e-mail.",
		AskMessage:       "Waarmee kunnen we je helpen?",
		MessageLabel:     "Bericht",
		MessageHolder:    "Je bericht",
		Thanks:           "Bedankt! We nemen snel contact met je op.",
		ContactLeadTitle: "Contactformulier",
	},
	"tr": {
		BotName:    "Asistan",
		FieldLabel: map[FieldType]string{NameField: "Ad", EmailField: "E-posta", PhoneField: "Telefon", CompanyField: "Şirket"},
		FieldHolder: map[FieldType]string{NameField: "Ayşe Yılmaz", EmailField: "siz@ornek.com", PhoneField: "+90 212 555 0100",
			CompanyField: "Örnek A.Ş."},
		ConsentCheckbox: "Verilerimin işlenmesini kabul ediyorum",

		LiveChatTitle:    "Potansiyel müşterilerinizle sohbet edin",
		LiveChatAbout:    "Ziyaretçileri karşılayın, nasıl yardımcı olabileceğinizi sorun ve onları bir temsilciye aktarın; kimse müsait değilse e-posta adreslerini isteyin.",
		Greeting:         "Merhaba! 👋 Hoş geldiniz.",
		HowCanWeHelp:     "Size nasıl yardımcı olabiliriz?",
		TalkToSomeone:    "Biriyle konuşmak istiyorum",
		JustLooking:      "Sadece bakıyorum",
		JustLookingReply: "Acele etmeyin. İhtiyacınız olursa buradayız.",
		Online:           "Bir dakika, bir çalışma arkadaşımız birazdan sizinle olacak.",
		Offline:          "Üzgünüz, şu anda müsait kimse yok. E-posta adresinizi bırakın, size geri dönelim.",
		AskEmail:         "E-posta adresiniz nedir?",
		ThanksLater:      "Teşekkürler! En kısa sürede size geri döneceğiz.",
		ChatLeadTitle:    "Web sitesi sohbeti",

		QualifyTitle:       "Potansiyel müşterileri nitelendirin",
		QualifyAbout:       "Ziyaretçilere neden geldiklerini sorun; ad, e-posta ve şirket bilgilerini alın ve şirket büyüklüğüne göre nitelendirin.",
		WhatBrings:         "Sizi bugün buraya ne getirdi?",
		WantToBuy:          "Satın almak istiyorum",
		NeedHelp:           "Yardıma ihtiyacım var",
		NeedHelpReply:      "Yardım merkezimizde en sık sorulan soruların yanıtlarını bulabilirsiniz. Bulamazsanız bize buradan yazın.",
		AskName:            "Adınız nedir?",
		AskCompany:         "Hangi şirkette çalışıyorsunuz?",
		CompanySize:        "Şirketinizde kaç kişi çalışıyor?",
		Small:              "1 ile 10 arası",
		Large:              "10'dan fazla",
		SmallReply:         "Teşekkürler! Size ekibinizin büyüklüğüne uygun bilgiler göndereceğiz.",
		LargeReply:         "Teşekkürler! Satış ekibimizden biri kısa süre içinde sizinle iletişime geçecek.",
		QualifiedLeadTitle: "Web sitesinden nitelikli potansiyel müşteri",

		ContactTitle:     "İletişim formu (yalnızca çevrimdışı)",
		ContactAbout:     "Basit bir form: ad, e-posta ve mesaj; bunlardan bir potansiyel müşteri oluşur. Hiçbir zaman bir temsilciye bağlanmaz.",
		ContactIntro:     "Bize bir mesaj bırakın, size e-postayla yanıt verelim.",
		AskMessage:       "Size nasıl yardımcı olabiliriz?",
		MessageLabel:     "Mesaj",
		MessageHolder:    "Mesajınız",
		Thanks:           "Teşekkürler! Yakında size geri döneceğiz.",
		ContactLeadTitle: "İletişim formu",
	},
	"hu": {
		BotName:    "Asszisztens",
		FieldLabel: map[FieldType]string{NameField: "Név", EmailField: "E-mail", PhoneField: "Telefon", CompanyField: "Cég"},
		FieldHolder: map[FieldType]string{NameField: "Kiss Anna", EmailField: "on@pelda.hu", PhoneField: "+36 1 234 5678",
			CompanyField: "Példa Kft."},
		ConsentCheckbox: "Hozzájárulok adataim kezeléséhez",

		LiveChatTitle:    "Csevegjen az érdeklődőivel",
		LiveChatAbout:    "Köszöntse a látogatókat, kérdezze meg, miben segíthet, és adja át őket egy munkatársnak; ha senki sem ér rá, kérje el az e-mail-címüket.",
		Greeting:         "Üdvözöljük! 👋",
		HowCanWeHelp:     "Miben segíthetünk?",
		TalkToSomeone:    "Valakivel beszélnék",
		JustLooking:      "Csak nézelődöm",
		JustLookingReply: "Nyugodtan nézzen körül. Itt vagyunk, ha szüksége van ránk.",
		Online:           "Egy pillanat, egy kollégánk hamarosan Önnel lesz.",
		Offline:          "Sajnos most senki sem ér rá. Hagyja meg az e-mail-címét, és jelentkezünk.",
		AskEmail:         "Mi az e-mail-címe?",
		ThanksLater:      "Köszönjük! Amint tudunk, jelentkezünk.",
		ChatLeadTitle:    "Weboldal-csevegés",

		QualifyTitle:       "Érdeklődők minősítése",
		QualifyAbout:       "Kérdezze meg a látogatókat, mi hozta őket ide, gyűjtse be nevüket, e-mail-címüket és cégüket, és minősítse őket a cég mérete szerint.",
		WhatBrings:         "Mi hozta ma ide?",
		WantToBuy:          "Vásárolnék",
		NeedHelp:           "Segítségre van szükségem",
		NeedHelpReply:      "Súgóközpontunkban a leggyakoribb kérdésekre talál választ. Ha a sajátját nem találja, írjon nekünk itt.",
		AskName:            "Hogy hívják?",
		AskCompany:         "Melyik cégnél dolgozik?",
		CompanySize:        "Hányan dolgoznak a cégénél?",
		Small:              "1–10 fő",
		Large:              "Több mint 10 fő",
		SmallReply:         "Köszönjük! Küldünk Önnek az Önök méretű csapatokhoz illő anyagokat.",
		LargeReply:         "Köszönjük! Értékesítési csapatunk egyik tagja hamarosan felveszi Önnel a kapcsolatot.",
		QualifiedLeadTitle: "Minősített érdeklődő a weboldalról",

		ContactTitle:     "Kapcsolatfelvételi űrlap (csak offline)",
		ContactAbout:     "Egyszerű űrlap: név, e-mail és üzenet, amelyből érdeklődő lesz. Soha nem kapcsol munkatárshoz.",
		ContactIntro:     "Hagyjon nekünk üzenetet, és e-mailben válaszolunk.",
		AskMessage:       "Miben segíthetünk?",
		MessageLabel:     "Üzenet",
		MessageHolder:    "Az Ön üzenete",
		Thanks:           "Köszönjük! Hamarosan jelentkezünk.",
		ContactLeadTitle: "Kapcsolatfelvételi űrlap",
	},
}

// textsFor returns the texts of lang, English for a language without them.
func textsFor(lang string) *texts {
	if t, ok := catalogue[lang]; ok {
		return t
	}
	return catalogue["en"]
}

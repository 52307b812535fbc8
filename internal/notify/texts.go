package notify

import (
	"strings"

	"github.com/parleyhq/parley/internal/auth"
)

// The words of pushes, emails and the unsubscribe page in the agent's language (auth.Languages;
// English otherwise). {name}-style placeholders are filled by fill.
type texts struct {
	// pushTitle per event; {name} is the contact.
	pushTitle map[string]string
	// subject per email kind for one conversation ({name}: the contact) and for several ({n}).
	subject, subjectMany map[string]string
	// intro per email kind: the first line of the mail.
	intro map[string]string
	// what per kind: the setting, as the bell dialog names it ("Assigned to me").
	what map[string]string

	open       string // the link to a conversation
	visitor    string // a contact with no name
	file       string // {name}: an attachment's name
	assignedBy string // {actor}
	why        string // {what}
	unsub      string
	settings   string // where the settings are

	inviteSubject, inviteIntro, inviteAction, inviteExpiry string
	resetSubject, resetIntro, resetAction, resetExpiry     string
	resetIgnore                                            string

	unsubTitle, unsubAsk, unsubButton, unsubDone, unsubBad string
}

var languages = map[string]*texts{
	"en": {
		pushTitle: map[string]string{
			auth.EventNewUnassigned: "New conversation: {name}", auth.EventAssignedMe: "Assigned to you: {name}",
			auth.EventMessageMine: "{name}", auth.EventMessageOthers: "{name} (others)", auth.EventMessageUnassigned: "{name} (unassigned)",
		},
		subject: map[string]string{
			auth.EventNewUnassigned: "New conversation from {name}", auth.EventAssignedMe: "Assigned to you: conversation with {name}",
			auth.EventMessageMine: "New messages from {name}", auth.EventMessageOthers: "New messages from {name}",
			auth.EventMessageUnassigned: "New messages from {name}", auth.EventOfflineMessage: "{name} wrote while you were offline",
			auth.EventMissedChat: "Missed chat with {name}",
		},
		subjectMany: map[string]string{
			auth.EventNewUnassigned: "{n} new conversations", auth.EventAssignedMe: "{n} conversations assigned to you",
			auth.EventMessageMine: "New messages in {n} of your conversations", auth.EventMessageOthers: "New messages in {n} conversations",
			auth.EventMessageUnassigned: "New messages in {n} unassigned conversations", auth.EventOfflineMessage: "{n} conversations got messages while you were offline",
			auth.EventMissedChat: "{n} missed chats",
		},
		intro: map[string]string{
			auth.EventNewUnassigned: "A new conversation is waiting in Unassigned.", auth.EventAssignedMe: "A conversation was assigned to you.",
			auth.EventMessageMine: "There are new messages in your conversations.", auth.EventMessageOthers: "There are new messages in conversations assigned to colleagues.",
			auth.EventMessageUnassigned: "There are new messages in unassigned conversations.", auth.EventOfflineMessage: "Someone wrote while you were offline.",
			auth.EventMissedChat: "A visitor wrote while you were online and left the website before anyone answered.",
		},
		what: map[string]string{
			auth.EventNewUnassigned: "A new conversation arrives in Unassigned", auth.EventAssignedMe: "A conversation is assigned to me",
			auth.EventMessageMine: "A new message in my conversations", auth.EventMessageOthers: "A new message in others' conversations",
			auth.EventMessageUnassigned: "A new message in unassigned conversations", auth.EventOfflineMessage: "Someone writes while I am offline",
			auth.EventMissedChat: "A visitor leaves unanswered while I am online",
		},
		open:          "Open the conversation",
		visitor:       "Visitor",
		file:          "[file: {name}]",
		assignedBy:    "{actor} assigned it to you.",
		why:           "You get this email because “{what}” is on in your notification settings.",
		unsub:         "Unsubscribe from these emails",
		settings:      "Change what you get with the bell at the top of the inbox.",
		inviteSubject: "You are invited to Parley",
		inviteIntro:   "{inviter} invited you to answer your team's conversations in Parley.",
		inviteAction:  "Choose your password",
		inviteExpiry:  "The link works once, for 7 days.",
		resetSubject:  "Reset your Parley password",
		resetIntro:    "Someone asked to reset the password of your Parley account.",
		resetAction:   "Choose a new password",
		resetExpiry:   "The link works once, for an hour.",
		resetIgnore:   "If it was not you, ignore this email: your password stays as it is.",
		unsubTitle:    "Email notifications",
		unsubAsk:      "Stop the emails about “{what}”?",
		unsubButton:   "Unsubscribe",
		unsubDone:     "Done: you will get no more emails about “{what}”. Turn them on again with the bell at the top of the inbox.",
		unsubBad:      "This unsubscribe link is not valid.",
	},
	"de": {
		pushTitle: map[string]string{
			auth.EventNewUnassigned: "Neue Unterhaltung: {name}", auth.EventAssignedMe: "Ihnen zugewiesen: {name}",
			auth.EventMessageMine: "{name}", auth.EventMessageOthers: "{name} (andere)", auth.EventMessageUnassigned: "{name} (nicht zugewiesen)",
		},
		subject: map[string]string{
			auth.EventNewUnassigned: "Neue Unterhaltung von {name}", auth.EventAssignedMe: "Ihnen zugewiesen: Unterhaltung mit {name}",
			auth.EventMessageMine: "Neue Nachrichten von {name}", auth.EventMessageOthers: "Neue Nachrichten von {name}",
			auth.EventMessageUnassigned: "Neue Nachrichten von {name}", auth.EventOfflineMessage: "{name} hat geschrieben, während Sie offline waren",
			auth.EventMissedChat: "Verpasster Chat mit {name}",
		},
		subjectMany: map[string]string{
			auth.EventNewUnassigned: "{n} neue Unterhaltungen", auth.EventAssignedMe: "{n} Unterhaltungen Ihnen zugewiesen",
			auth.EventMessageMine: "Neue Nachrichten in {n} Ihrer Unterhaltungen", auth.EventMessageOthers: "Neue Nachrichten in {n} Unterhaltungen",
			auth.EventMessageUnassigned: "Neue Nachrichten in {n} nicht zugewiesenen Unterhaltungen", auth.EventOfflineMessage: "{n} Unterhaltungen haben Nachrichten bekommen, während Sie offline waren",
			auth.EventMissedChat: "{n} verpasste Chats",
		},
		intro: map[string]string{
			auth.EventNewUnassigned: "Eine neue Unterhaltung wartet in „Nicht zugewiesen“.", auth.EventAssignedMe: "Ihnen wurde eine Unterhaltung zugewiesen.",
			auth.EventMessageMine: "Es gibt neue Nachrichten in Ihren Unterhaltungen.", auth.EventMessageOthers: "Es gibt neue Nachrichten in Unterhaltungen Ihrer Kollegen.",
			auth.EventMessageUnassigned: "Es gibt neue Nachrichten in nicht zugewiesenen Unterhaltungen.", auth.EventOfflineMessage: "Jemand hat geschrieben, während Sie offline waren.",
			auth.EventMissedChat: "Ein Besucher hat geschrieben, während Sie online waren, und die Website verlassen, bevor jemand geantwortet hat.",
		},
		what: map[string]string{
			auth.EventNewUnassigned: "Eine neue Unterhaltung kommt in „Nicht zugewiesen“ an", auth.EventAssignedMe: "Mir wird eine Unterhaltung zugewiesen",
			auth.EventMessageMine: "Eine neue Nachricht in meinen Unterhaltungen", auth.EventMessageOthers: "Eine neue Nachricht in Unterhaltungen anderer",
			auth.EventMessageUnassigned: "Eine neue Nachricht in nicht zugewiesenen Unterhaltungen", auth.EventOfflineMessage: "Jemand schreibt, während ich offline bin",
			auth.EventMissedChat: "Ein Besucher geht unbeantwortet, während ich online bin",
		},
		open:          "Unterhaltung öffnen",
		visitor:       "Besucher",
		file:          "[Datei: {name}]",
		assignedBy:    "{actor} hat sie Ihnen zugewiesen.",
		why:           "Sie erhalten diese E-Mail, weil „{what}“ in Ihren Benachrichtigungseinstellungen eingeschaltet ist.",
		unsub:         "Diese E-Mails abbestellen",
		settings:      "Was Sie erhalten, stellen Sie mit der Glocke oben im Posteingang ein.",
		inviteSubject: "Ihre Einladung zu Parley",
		inviteIntro:   "{inviter} hat Sie eingeladen, die Unterhaltungen Ihres Teams in Parley zu beantworten.",
		inviteAction:  "Passwort festlegen",
		inviteExpiry:  "Der Link funktioniert einmal, 7 Tage lang.",
		resetSubject:  "Parley-Passwort zurücksetzen",
		resetIntro:    "Jemand möchte das Passwort Ihres Parley-Kontos zurücksetzen.",
		resetAction:   "Neues Passwort festlegen",
		resetExpiry:   "Der Link funktioniert einmal, eine Stunde lang.",
		resetIgnore:   "Waren Sie es nicht, ignorieren Sie diese E-Mail: Ihr Passwort bleibt, wie es ist.",
		unsubTitle:    "E-Mail-Benachrichtigungen",
		unsubAsk:      "Keine E-Mails mehr zu „{what}“?",
		unsubButton:   "Abbestellen",
		unsubDone:     "Erledigt: Sie erhalten keine E-Mails mehr zu „{what}“. Mit der Glocke oben im Posteingang schalten Sie sie wieder ein.",
		unsubBad:      "Dieser Abbestell-Link ist ungültig.",
	},
	"nl": {
		pushTitle: map[string]string{
			auth.EventNewUnassigned: "Nieuw gesprek: {name}", auth.EventAssignedMe: "Aan jou toegewezen: {name}",
			auth.EventMessageMine: "{name}", auth.EventMessageOthers: "{name} (anderen)", auth.EventMessageUnassigned: "{name} (niet toegewezen)",
		},
		subject: map[string]string{
			auth.EventNewUnassigned: "Nieuw gesprek van {name}", auth.EventAssignedMe: "Aan jou toegewezen: gesprek met {name}",
			auth.EventMessageMine: "Nieuwe berichten van {name}", auth.EventMessageOthers: "Nieuwe berichten van {name}",
			auth.EventMessageUnassigned: "Nieuwe berichten van {name}", auth.EventOfflineMessage: "{name} schreef terwijl je offline was",
			auth.EventMissedChat: "Gemiste chat met {name}",
		},
		subjectMany: map[string]string{
			auth.EventNewUnassigned: "{n} nieuwe gesprekken", auth.EventAssignedMe: "{n} gesprekken aan jou toegewezen",
			auth.EventMessageMine: "Nieuwe berichten in {n} van je gesprekken", auth.EventMessageOthers: "Nieuwe berichten in {n} gesprekken",
			auth.EventMessageUnassigned: "Nieuwe berichten in {n} niet-toegewezen gesprekken", auth.EventOfflineMessage: "{n} gesprekken kregen berichten terwijl je offline was",
			auth.EventMissedChat: "{n} gemiste chats",
		},
		intro: map[string]string{
			auth.EventNewUnassigned: "Er wacht een nieuw gesprek in Niet toegewezen.", auth.EventAssignedMe: "Er is een gesprek aan jou toegewezen.",
			auth.EventMessageMine: "Er zijn nieuwe berichten in je gesprekken.", auth.EventMessageOthers: "Er zijn nieuwe berichten in gesprekken van collega's.",
			auth.EventMessageUnassigned: "Er zijn nieuwe berichten in niet-toegewezen gesprekken.", auth.EventOfflineMessage: "Iemand schreef terwijl je offline was.",
			auth.EventMissedChat: "Een bezoeker schreef terwijl je online was en verliet de website voordat iemand antwoordde.",
		},
		what: map[string]string{
			auth.EventNewUnassigned: "Er komt een nieuw gesprek binnen in Niet toegewezen", auth.EventAssignedMe: "Er wordt een gesprek aan mij toegewezen",
			auth.EventMessageMine: "Een nieuw bericht in mijn gesprekken", auth.EventMessageOthers: "Een nieuw bericht in gesprekken van anderen",
			auth.EventMessageUnassigned: "Een nieuw bericht in niet-toegewezen gesprekken", auth.EventOfflineMessage: "Iemand schrijft terwijl ik offline ben",
			auth.EventMissedChat: "Een bezoeker vertrekt zonder antwoord terwijl ik online ben",
		},
		open:          "Gesprek openen",
		visitor:       "Bezoeker",
		file:          "[bestand: {name}]",
		assignedBy:    "{actor} heeft het aan jou toegewezen.",
		why:           "Je krijgt deze e-mail omdat „{what}” aan staat in je meldingsinstellingen.",
		unsub:         "Afmelden voor deze e-mails",
		settings:      "Wat je krijgt, stel je in met de bel bovenaan de inbox.",
		inviteSubject: "Je bent uitgenodigd voor Parley",
		inviteIntro:   "{inviter} heeft je uitgenodigd om de gesprekken van je team in Parley te beantwoorden.",
		inviteAction:  "Kies je wachtwoord",
		inviteExpiry:  "De link werkt één keer, 7 dagen lang.",
		resetSubject:  "Je Parley-wachtwoord opnieuw instellen",
		resetIntro:    "Iemand vroeg om het wachtwoord van je Parley-account opnieuw in te stellen.",
		resetAction:   "Kies een nieuw wachtwoord",
		resetExpiry:   "De link werkt één keer, een uur lang.",
		resetIgnore:   "Was jij het niet, negeer dan deze e-mail: je wachtwoord blijft zoals het is.",
		unsubTitle:    "Meldingen per e-mail",
		unsubAsk:      "Geen e-mails meer over „{what}”?",
		unsubButton:   "Afmelden",
		unsubDone:     "Klaar: je krijgt geen e-mails meer over „{what}”. Zet ze weer aan met de bel bovenaan de inbox.",
		unsubBad:      "Deze afmeldlink is niet geldig.",
	},
	"tr": {
		pushTitle: map[string]string{
			auth.EventNewUnassigned: "Yeni konuşma: {name}", auth.EventAssignedMe: "Size atandı: {name}",
			auth.EventMessageMine: "{name}", auth.EventMessageOthers: "{name} (diğerleri)", auth.EventMessageUnassigned: "{name} (atanmamış)",
		},
		subject: map[string]string{
			auth.EventNewUnassigned: "{name} ile yeni görüşme", auth.EventAssignedMe: "Size atandı: {name} ile görüşme",
			auth.EventMessageMine: "{name} yeni mesajlar gönderdi", auth.EventMessageOthers: "{name} yeni mesajlar gönderdi",
			auth.EventMessageUnassigned: "{name} yeni mesajlar gönderdi", auth.EventOfflineMessage: "Siz çevrimdışıyken {name} yazdı",
			auth.EventMissedChat: "{name} ile kaçırılan sohbet",
		},
		subjectMany: map[string]string{
			auth.EventNewUnassigned: "{n} yeni görüşme", auth.EventAssignedMe: "Size {n} görüşme atandı",
			auth.EventMessageMine: "Görüşmelerinizden {n} tanesinde yeni mesajlar", auth.EventMessageOthers: "{n} görüşmede yeni mesajlar",
			auth.EventMessageUnassigned: "Atanmamış {n} görüşmede yeni mesajlar", auth.EventOfflineMessage: "Siz çevrimdışıyken {n} görüşmeye mesaj geldi",
			auth.EventMissedChat: "{n} kaçırılan sohbet",
		},
		intro: map[string]string{
			auth.EventNewUnassigned: "Atanmamış klasöründe yeni bir görüşme bekliyor.", auth.EventAssignedMe: "Size bir görüşme atandı.",
			auth.EventMessageMine: "Görüşmelerinizde yeni mesajlar var.", auth.EventMessageOthers: "İş arkadaşlarınıza atanmış görüşmelerde yeni mesajlar var.",
			auth.EventMessageUnassigned: "Atanmamış görüşmelerde yeni mesajlar var.", auth.EventOfflineMessage: "Siz çevrimdışıyken biri yazdı.",
			auth.EventMissedChat: "Siz çevrimiçiyken bir ziyaretçi yazdı ve kimse yanıtlamadan web sitesinden ayrıldı.",
		},
		what: map[string]string{
			auth.EventNewUnassigned: "Atanmamış'a yeni bir konuşma geldiğinde", auth.EventAssignedMe: "Bana bir konuşma atandığında",
			auth.EventMessageMine: "Konuşmalarımda yeni bir mesaj", auth.EventMessageOthers: "Başkalarının konuşmalarında yeni bir mesaj",
			auth.EventMessageUnassigned: "Atanmamış konuşmalarda yeni bir mesaj", auth.EventOfflineMessage: "Ben çevrimdışıyken biri yazıyor",
			auth.EventMissedChat: "Ben çevrimiçiyken bir ziyaretçi yanıt almadan ayrılıyor",
		},
		open:          "Görüşmeyi aç",
		visitor:       "Ziyaretçi",
		file:          "[dosya: {name}]",
		assignedBy:    "{actor} bunu size atadı.",
		why:           "Bildirim ayarlarınızda “{what}” açık olduğu için bu e-postayı alıyorsunuz.",
		unsub:         "Bu e-postaların aboneliğinden çık",
		settings:      "Neleri alacağınızı gelen kutusunun üstündeki zil simgesinden değiştirin.",
		inviteSubject: "Parley'e davet edildiniz",
		inviteIntro:   "{inviter} sizi ekibinizin görüşmelerini Parley'de yanıtlamaya davet etti.",
		inviteAction:  "Parolanızı belirleyin",
		inviteExpiry:  "Bağlantı 7 gün boyunca bir kez çalışır.",
		resetSubject:  "Parley parolanızı sıfırlayın",
		resetIntro:    "Birisi Parley hesabınızın parolasını sıfırlamak istedi.",
		resetAction:   "Yeni bir parola belirleyin",
		resetExpiry:   "Bağlantı bir saat boyunca bir kez çalışır.",
		resetIgnore:   "Bu siz değilseniz bu e-postayı yok sayın: parolanız olduğu gibi kalır.",
		unsubTitle:    "E-posta bildirimleri",
		unsubAsk:      "“{what}” hakkındaki e-postalar durdurulsun mu?",
		unsubButton:   "Abonelikten çık",
		unsubDone:     "Tamam: artık “{what}” hakkında e-posta almayacaksınız. Gelen kutusunun üstündeki zil simgesinden yeniden açabilirsiniz.",
		unsubBad:      "Bu abonelikten çıkma bağlantısı geçerli değil.",
	},
	"hu": {
		pushTitle: map[string]string{
			auth.EventNewUnassigned: "Új beszélgetés: {name}", auth.EventAssignedMe: "Önhöz rendelve: {name}",
			auth.EventMessageMine: "{name}", auth.EventMessageOthers: "{name} (másoké)", auth.EventMessageUnassigned: "{name} (nincs hozzárendelve)",
		},
		subject: map[string]string{
			auth.EventNewUnassigned: "Új beszélgetés: {name}", auth.EventAssignedMe: "Önhöz rendelve: beszélgetés vele: {name}",
			auth.EventMessageMine: "Új üzenetek tőle: {name}", auth.EventMessageOthers: "Új üzenetek tőle: {name}",
			auth.EventMessageUnassigned: "Új üzenetek tőle: {name}", auth.EventOfflineMessage: "{name} írt, amíg Ön offline volt",
			auth.EventMissedChat: "Elmulasztott csevegés: {name}",
		},
		subjectMany: map[string]string{
			auth.EventNewUnassigned: "{n} új beszélgetés", auth.EventAssignedMe: "{n} beszélgetés lett Önhöz rendelve",
			auth.EventMessageMine: "Új üzenetek {n} beszélgetésében", auth.EventMessageOthers: "Új üzenetek {n} beszélgetésben",
			auth.EventMessageUnassigned: "Új üzenetek {n} hozzá nem rendelt beszélgetésben", auth.EventOfflineMessage: "{n} beszélgetésbe érkezett üzenet, amíg Ön offline volt",
			auth.EventMissedChat: "{n} elmulasztott csevegés",
		},
		intro: map[string]string{
			auth.EventNewUnassigned: "Új beszélgetés vár a Hozzá nem rendelt mappában.", auth.EventAssignedMe: "Egy beszélgetést Önhöz rendeltek.",
			auth.EventMessageMine: "Új üzenetek érkeztek a beszélgetéseibe.", auth.EventMessageOthers: "Új üzenetek érkeztek a kollégáihoz rendelt beszélgetésekbe.",
			auth.EventMessageUnassigned: "Új üzenetek érkeztek hozzá nem rendelt beszélgetésekbe.", auth.EventOfflineMessage: "Valaki írt, amíg Ön offline volt.",
			auth.EventMissedChat: "Egy látogató írt, amíg Ön online volt, és elhagyta a webhelyet, mielőtt bárki válaszolt volna.",
		},
		what: map[string]string{
			auth.EventNewUnassigned: "Új beszélgetés érkezik a hozzárendeletlenek közé", auth.EventAssignedMe: "Egy beszélgetést hozzám rendelnek",
			auth.EventMessageMine: "Új üzenet a saját beszélgetéseimben", auth.EventMessageOthers: "Új üzenet mások beszélgetéseiben",
			auth.EventMessageUnassigned: "Új üzenet a hozzárendeletlen beszélgetésekben", auth.EventOfflineMessage: "Valaki ír, amíg offline vagyok",
			auth.EventMissedChat: "Egy látogató válasz nélkül távozik, amíg online vagyok",
		},
		open:          "Beszélgetés megnyitása",
		visitor:       "Látogató",
		file:          "[fájl: {name}]",
		assignedBy:    "{actor} Önhöz rendelte.",
		why:           "Azért kapja ezt az e-mailt, mert az értesítési beállításaiban be van kapcsolva ez: „{what}”.",
		unsub:         "Leiratkozás ezekről az e-mailekről",
		settings:      "Hogy mit kap, azt a beérkezett üzenetek tetején lévő csengővel állíthatja be.",
		inviteSubject: "Meghívást kapott a Parley-be",
		inviteIntro:   "{inviter} meghívta, hogy a Parley-ben válaszoljon a csapata beszélgetéseire.",
		inviteAction:  "Jelszó megadása",
		inviteExpiry:  "A hivatkozás egyszer használható, 7 napig.",
		resetSubject:  "Parley-jelszó visszaállítása",
		resetIntro:    "Valaki kérte a Parley-fiókja jelszavának visszaállítását.",
		resetAction:   "Új jelszó megadása",
		resetExpiry:   "A hivatkozás egyszer használható, egy óráig.",
		resetIgnore:   "Ha nem Ön volt, hagyja figyelmen kívül ezt az e-mailt: a jelszava változatlan marad.",
		unsubTitle:    "E-mail-értesítések",
		unsubAsk:      "Leállítja az e-maileket erről: „{what}”?",
		unsubButton:   "Leiratkozás",
		unsubDone:     "Kész: erről nem kap több e-mailt: „{what}”. A beérkezett üzenetek tetején lévő csengővel újra bekapcsolhatja.",
		unsubBad:      "Ez a leiratkozási hivatkozás érvénytelen.",
	},
}

// textsOf returns the words in lang, English when Parley does not speak it.
func textsOf(lang string) *texts {
	if t, ok := languages[lang]; ok {
		return t
	}
	return languages["en"]
}

// fill replaces {key} placeholders with the values given as key, value pairs.
func fill(s string, kv ...string) string {
	return strings.NewReplacer(func() []string {
		out := make([]string, 0, len(kv))
		for i := 0; i+1 < len(kv); i += 2 {
			out = append(out, "{"+kv[i]+"}", kv[i+1])
		}
		return out
	}()...).Replace(s)
}

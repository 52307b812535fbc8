package followup

import "strings"

// The fixed words of follow-ups and transcripts, in the visitor's language (the widget's
// languages; English otherwise).
type strs struct {
	followUpSubject   string // %s: the website's name
	followUpIntro     string
	replyHint         string
	transcriptSubject string
	transcriptIntro   string
	you, bot          string
	file              string // %s: the file's name
}

var languages = map[string]*strs{
	"en": {
		followUpSubject:   "New reply from %s",
		followUpIntro:     "You have a reply in your chat with %s:",
		replyHint:         "Reply to this email to answer: your reply reaches us in the same chat.",
		transcriptSubject: "Your conversation with %s",
		transcriptIntro:   "Here is your conversation with %s:",
		you:               "You",
		bot:               "Assistant",
		file:              "[file: %s]",
	},
	"de": {
		followUpSubject:   "Neue Antwort von %s",
		followUpIntro:     "Sie haben eine Antwort in Ihrem Chat mit %s:",
		replyHint:         "Antworten Sie einfach auf diese E-Mail: Ihre Antwort erreicht uns im selben Chat.",
		transcriptSubject: "Ihr Gespräch mit %s",
		transcriptIntro:   "Hier ist Ihr Gespräch mit %s:",
		you:               "Sie",
		bot:               "Assistent",
		file:              "[Datei: %s]",
	},
	"nl": {
		followUpSubject:   "Nieuw antwoord van %s",
		followUpIntro:     "U hebt een antwoord in uw chat met %s:",
		replyHint:         "Beantwoord deze e-mail om te reageren: uw antwoord komt bij ons in dezelfde chat.",
		transcriptSubject: "Uw gesprek met %s",
		transcriptIntro:   "Hier is uw gesprek met %s:",
		you:               "U",
		bot:               "Assistent",
		file:              "[bestand: %s]",
	},
	"tr": {
		followUpSubject:   "%s yanıt verdi",
		followUpIntro:     "%s ile sohbetinizde yeni bir yanıt var:",
		replyHint:         "Cevap vermek için bu e-postayı yanıtlayın: yanıtınız aynı sohbette bize ulaşır.",
		transcriptSubject: "%s ile görüşmeniz",
		transcriptIntro:   "%s ile görüşmeniz:",
		you:               "Siz",
		bot:               "Asistan",
		file:              "[dosya: %s]",
	},
	"hu": {
		followUpSubject:   "Új válasz: %s",
		followUpIntro:     "Új válasz érkezett a(z) %s csevegésében:",
		replyHint:         "Válaszoljon erre az e-mailre: a válasza ugyanabba a csevegésbe érkezik hozzánk.",
		transcriptSubject: "Beszélgetése: %s",
		transcriptIntro:   "Íme a beszélgetése a(z) %s csapatával:",
		you:               "Ön",
		bot:               "Asszisztens",
		file:              "[fájl: %s]",
	},
}

// language picks the texts' language from a browser locale ("de-AT" is German).
func language(locale string) string {
	l := strings.ToLower(locale)
	if i := strings.IndexAny(l, "-_"); i >= 0 {
		l = l[:i]
	}
	if _, ok := languages[l]; ok {
		return l
	}
	return "en"
}

func texts(lang string) *strs {
	if t, ok := languages[lang]; ok {
		return t
	}
	return languages["en"]
}

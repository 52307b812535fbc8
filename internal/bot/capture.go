package bot

import (
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/parleyhq/parley/internal/auth"
	"github.com/parleyhq/parley/internal/errs"
	"github.com/parleyhq/parley/internal/mask"
	"github.com/parleyhq/parley/internal/playbook"
)

// checkCapture checks a captured value against its field, as the widget did before sending it:
// the server decides. It returns the value to store (trimmed, masked, an email normalised), or a
// capture_invalid error whose message is in the playbook's language (the field's hint when it has
// one). An empty value skips a field that is not required.
func checkCapture(ver *playbook.Version, f *playbook.Field, value string) (string, error) {
	value = strings.TrimSpace(value)
	value, _ = mask.String(value)
	bad := func(key string, n int) error {
		msg := f.Rules.Hint
		if msg == "" {
			msg = strings.ReplaceAll(text(ver, key), "{n}", strconv.Itoa(n))
		}
		return errs.Coded(errs.Invalid, "capture_invalid", "%s", msg)
	}
	if value == "" {
		if f.Rules.Required {
			return "", bad("required", 0)
		}
		return "", nil
	}
	n := utf8.RuneCountInString(value)
	if f.Rules.MinLength > 0 && n < f.Rules.MinLength {
		return "", bad("too_short", f.Rules.MinLength)
	}
	limit := f.Rules.MaxLength
	if limit == 0 {
		limit = 1000
	}
	if n > limit {
		return "", bad("too_long", limit)
	}
	switch f.Type {
	case playbook.EmailField:
		e, err := auth.NormalizeEmail(value)
		if err != nil {
			return "", bad("email", 0)
		}
		value = e
	case playbook.PhoneField:
		if !phone.MatchString(value) || !strings.ContainsAny(value, "0123456789") {
			return "", bad("phone", 0)
		}
	case playbook.NameField, playbook.CompanyField:
		if strings.ContainsAny(value, "\n\r") {
			return "", bad("line", 0)
		}
	}
	if f.Rules.Pattern != "" {
		re, err := regexp.Compile(`^(?:` + f.Rules.Pattern + `)$`)
		if err == nil && !re.MatchString(value) {
			return "", bad("pattern", 0)
		}
	}
	return value, nil
}

var phone = regexp.MustCompile(`^[0-9 +()\-./]{1,40}$`)

// texts are what the server says to the visitor in the playbook's language.
var texts = map[string]map[string]string{
	"en": {
		"required": "Please fill in this field.", "too_short": "Please enter at least {n} characters.",
		"too_long": "Please enter at most {n} characters.", "email": "Please enter a valid email address, like name@example.com.",
		"phone": "Please enter a valid phone number.", "line": "Please enter one line.", "pattern": "Please check the format of your answer.",
		"skipped": "(skipped)", "declined": "I do not agree", "consent_required": "Please tick the box to continue.",
	},
	"de": {
		"required": "Bitte füllen Sie dieses Feld aus.", "too_short": "Bitte geben Sie mindestens {n} Zeichen ein.",
		"too_long": "Bitte geben Sie höchstens {n} Zeichen ein.", "email": "Bitte geben Sie eine gültige E-Mail-Adresse ein, z. B. name@example.com.",
		"phone": "Bitte geben Sie eine gültige Telefonnummer ein.", "line": "Bitte nur eine Zeile eingeben.", "pattern": "Bitte prüfen Sie das Format Ihrer Antwort.",
		"skipped": "(übersprungen)", "declined": "Ich stimme nicht zu", "consent_required": "Bitte setzen Sie das Häkchen, um fortzufahren.",
	},
	"nl": {
		"required": "Vul dit veld in.", "too_short": "Vul minstens {n} tekens in.",
		"too_long": "Vul hoogstens {n} tekens in.", "email": "Vul een geldig e-mailadres in, zoals naam@voorbeeld.nl.",
		"phone": "Vul een geldig telefoonnummer in.", "line": "Vul één regel in.", "pattern": "Controleer de vorm van je antwoord.",
		"skipped": "(overgeslagen)", "declined": "Ik ga niet akkoord", "consent_required": "Vink het vakje aan om verder te gaan.",
	},
	"tr": {
		"required": "Lütfen bu alanı doldurun.", "too_short": "Lütfen en az {n} karakter girin.",
		"too_long": "Lütfen en fazla {n} karakter girin.", "email": "Lütfen geçerli bir e-posta adresi girin, örneğin ad@ornek.com.",
		"phone": "Lütfen geçerli bir telefon numarası girin.", "line": "Lütfen tek satır girin.", "pattern": "Lütfen yanıtınızın biçimini kontrol edin.",
		"skipped": "(atlandı)", "declined": "Kabul etmiyorum", "consent_required": "Devam etmek için lütfen kutuyu işaretleyin.",
	},
	"hu": {
		"required": "Kérjük, töltse ki ezt a mezőt.", "too_short": "Kérjük, legalább {n} karaktert adjon meg.",
		"too_long": "Kérjük, legfeljebb {n} karaktert adjon meg.", "email": "Kérjük, érvényes e-mail-címet adjon meg, például nev@pelda.hu.",
		"phone": "Kérjük, érvényes telefonszámot adjon meg.", "line": "Kérjük, egy sort adjon meg.", "pattern": "Kérjük, ellenőrizze a válasz formátumát.",
		"skipped": "(kihagyva)", "declined": "Nem járulok hozzá", "consent_required": "A folytatáshoz jelölje be a négyzetet.",
	},
}

// text is one of texts in the playbook's language, English when it has none.
func text(ver *playbook.Version, key string) string {
	if t, ok := texts[ver.Appearance.Language][key]; ok {
		return t
	}
	return texts["en"][key]
}

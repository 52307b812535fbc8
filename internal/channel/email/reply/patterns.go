package reply

import (
	"html"
	"regexp"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"
)

// The words below are what mail clients write in the languages our contacts use. Lists are
// matched case-insensitively; each entry is a regular expression fragment.

// wroteVerbs end an attribution line: "On <date>, <name> wrote:" and its translations. They are
// plain lower-case strings (looked up with strings.Index, much faster than one big pattern) and
// must stand as words.
var wroteVerbs = []string{
	"wrote", "writes", "said", "quoting", // en ("Quoting X <x@example.com>:", Horde)
	"zitat von", "citando", // de, es/pt (Horde)
	"schrieb", "schreibt", "geschrieben", // de
	"a écrit", "a ecrit", "écrit", "ecrit", // fr
	"schreef", "geschreven", // nl
	"escribió", "escribio", "escribe", // es
	"escreveu", "escreve", // pt
	"ha scritto", "scrisse", "scrive", // it
	"napisał(a)", "napisała", "napisał", "pisze", "napisana", // pl ("Wiadomość napisana przez")
	"написал(а)", "написала", "написал", "пишет", "написа", // ru, bg
	"написав", "пише", // uk
	"skrev", "skriver", // sv, no, da
	"kirjoitti",                                 // fi
	"írta",                                      // hu
	"napsal(a)", "napsala", "napsal", "napísal", // cs, sk
	"a scris", "scrie", // ro
	"έγραψε",                                  // el
	"yazdı",                                   // tr
	"va escriure",                             // ca
	"je napisao", "je napisala", "je napisal", // hr, sl
	"rašė", "rakstīja", "kirjutas", // lt, lv, et
	"đã viết", "menulis", // vi, id
	"كتب", "כתב", "כתבה", // ar, he
}

// cjkVerbs are written without spaces around them.
var cjkVerbs = []string{"写道", "寫道", "のメッセージ", "のメール", "님이 작성", "작성"}

// leadWords open an attribution line ("On", "Le", "Am" ...) in the languages above.
var leadWords = []string{
	`on`, `at`, `le`, `am`, `op`, `el`, `em`, `no dia`, `il`, `in data`, `w dniu`, `dnia`,
	`den`, `på`, `dne`, `dňa`, `dana`, `la`, `în`, `στις`, `την`, `в`, `у`, `在`, `בתאריך`,
	`vào`, `pada`,
}

// headerKeys are the field names of a quoted message's header block (Outlook's "From: / Sent: /
// To: / Subject:"), by the field they name.
var headerKeys = map[string][]string{
	"from": {
		`from`, `von`, `de`, `da`, `van`, `fra`, `från`, `lähettäjä`, `mittente`, `od`, `от`,
		`від`, `від кого`, `feladó`, `nadawca`, `remitente`, `expéditeur`, `afzender`, `avsändare`,
		`από`, `kimden`, `发件人`, `寄件者`, `差出人`, `보낸 사람`, `من`, `odesílatel`, `de la`,
		`מאת`, `từ`, `dari`,
	},
	"sent": {
		`sent`, `gesendet`, `envoyé`, `envoyé le`, `envoye`, `envoye le`, `enviado`, `enviado el`,
		`enviada`, `inviato`, `verzonden`, `verzonden op`, `sendt`, `skickat`, `lähetetty`,
		`wysłano`, `wysłane`, `отправлено`, `надіслано`, `elküldve`, `küldve`, `odesláno`,
		`trimis`, `στάλθηκε`, `gönderildi`, `gönderilme`, `发送时间`, `寄件日期`, `送信日時`,
		`보낸 날짜`, `تم الإرسال`, `message du`, `נשלח`, `enviat`, `đã gửi`, `dikirim`,
	},
	"date": {
		`date`, `datum`, `data`, `fecha`, `dato`, `päivämäärä`, `дата`, `dátum`, `tarih`, `日期`,
		`日付`, `날짜`, `التاريخ`, `ημερομηνία`,
	},
	"to": {
		`to`, `an`, `à`, `a`, `para`, `aan`, `til`, `till`, `vastaanottaja`, `do`, `кому`,
		`komu`, `címzett`, `adresat`, `destinatario`, `destinataire`, `προς`, `kime`, `收件人`,
		`宛先`, `받는 사람`, `إلى`, `pentru`, `alıcı`, `收件者`, `către`, `אל`, `per a`, `đến`,
		`kepada`,
	},
	"cc": {
		`cc`, `kopie`, `copie à`, `copia`, `kopia`, `копия`, `копія`, `másolat`, `kopio`,
		`kopi`, `bilgi`, `抄送`, `副本`,
	},
	"subject": {
		`subject`, `betreff`, `objet`, `oggetto`, `asunto`, `assunto`, `onderwerp`, `emne`,
		`ämne`, `aihe`, `temat`, `тема`, `tárgy`, `předmět`, `subiect`, `θέμα`, `konu`, `主题`,
		`主旨`, `件名`, `제목`, `الموضوع`, `sujet`, `נושא`, `assumpte`, `chủ đề`, `subjek`,
		`perihal`,
	},
	"reply-to": {
		`reply-to`, `risposta`, `antwort an`, `répondre à`, `responder a`,
	},
}

// separatorPhrases stand between a reply and a quoted or forwarded message, usually inside
// dashes: "-----Original Message-----", "---------- Forwarded message ---------".
var separatorPhrases = []string{
	`original message`, `forwarded message`, `ursprüngliche nachricht`, `original-nachricht`,
	`weitergeleitete nachricht`, `message d'origine`, `message original`, `message transféré`,
	`mensaje original`, `mensaje reenviado`, `mensagem original`, `mensagem encaminhada`,
	`messaggio originale`, `messaggio inoltrato`, `oorspronkelijk bericht`, `origineel bericht`,
	`doorgestuurd bericht`, `oprindelig besked`, `oprindelig meddelelse`, `videresendt besked`,
	`videresendt meddelelse`, `opprinnelig melding`, `videresendt melding`,
	`ursprungligt meddelande`, `vidarebefordrat meddelande`, `alkuperäinen viesti`,
	`välitetty viesti`, `wiadomość oryginalna`, `oryginalna wiadomość`, `przekazana wiadomość`,
	`původní zpráva`, `přeposlaná zpráva`, `исходное сообщение`, `пересылаемое сообщение`,
	`пересланное сообщение`, `оригінальне повідомлення`, `переслане повідомлення`,
	`eredeti üzenet`, `továbbított üzenet`, `mesaj original`, `mesaj redirecționat`,
	`αρχικό μήνυμα`, `orijinal mesaj`, `özgün ileti`, `iletilen ileti`, `原始邮件`, `原始郵件`,
	`转发的邮件`, `轉寄的郵件`, `元のメッセージ`, `転送されたメッセージ`, `원본 메시지`, `전달된 메시지`,
	`الرسالة الأصلية`, `reply message`,
}

// forwardIntros are Apple Mail's lines above a forwarded message, which end with a colon.
var forwardIntros = []string{
	`begin forwarded message`, `début du message réexpédié`, `début du message transféré`,
	`anfang der weitergeleiteten nachricht`, `inicio del mensaje reenviado`,
	`início da mensagem reencaminhada`, `inizio messaggio inoltrato`, `begin doorgestuurd bericht`,
	`vidarebefordrat mejl`, `videresendt e-post`, `videresendt besked`,
	`välitetty viesti alkaa`, `początek przekazywanej wiadomości`, `начало переадресованного сообщения`,
	`転送されたメッセージ`, `转发的邮件`,
}

// deviceWords name the phone, tablet or mail app in a "Sent from my ..." line.
var deviceWords = `i ?phon|ipad|ipod|android|black ?berry|mobile|mobil|handy|smart ?phone|cell ?phone|` +
	`\bcell\b|\bphone\b|galaxy|samsung|huawei|xiaomi|nokia|motorola|\bpixel\b|\bdevice\b|tablet|` +
	`windows|telefon|téléphone|telefone|telefono|teléfono|celular|portable|móvil|movil|мобильн|телефон|` +
	`смартфон|пристр|手机|手機|携帯|휴대|outlook|gmail|yahoo mail|aol mail|mail f[üo]r|mail app|` +
	`mailbox|airmail|windows mail|proton ?mail|k-9|gmx|web\.de|spark|newton|bluemail|aquamail|` +
	`edison|superhuman|typeapp|sparrow|\bapp\b`

// devicePrefixes open a device line in many languages ("Sent from", "Envoyé depuis", "Von meinem").
var devicePrefixes = []string{
	`sent (from|with|via|using|by|on)`, `envoy[ée] (depuis|de|à partir de|a partir de|avec|du|par)`,
	`(gesendet|versendet|verschickt) (von|mit|vom|über|aus)`, `(von|vom|mit) (meinem|meiner|unterwegs)`,
	`diese nachricht wurde (von|mit)`, `(verzonden|verstuurd) (met|vanaf|vanuit|van|via)`,
	`enviado (desde|con|de|a través de)`, `enviad[oa] (do|de|pelo|pela|a partir do|a partir de|via)`,
	`inviato (da|con|dal|tramite)`, `wysłan[eo] (z|ze|przez)`, `skickat (från|med|via)`,
	`sendt (fra|med|via)`, `lähetetty`, `отправлено (с|из|со)`, `надіслано (з|із|зі)`,
	`odesláno (z|ze)`, `trimis (de pe|de la|cu|din)`, `εστάλη από`, `στάλθηκε από`, `أُ?رسلت من`,
	`get outlook`, `obter o outlook`, `obtener outlook`,
	`scarica outlook`, `télécharger outlook`, `skaffa outlook`, `hent outlook`, `hanki outlook`,
	`pobierz outlook`, `download outlook`,
}

// deviceJoinedPrefixes run into the next word ("从我的iPhone发送", "נשלח מה-iPhone").
var deviceJoinedPrefixes = []string{`נשלח מ`, `(发自|發自|從|从|來自|来自)我的`}

// deviceSuffixes close a device line where the verb comes last ("Az iPhone-omról küldve").
var deviceSuffixes = []string{
	`gesendet`, `küldve`, `gönderildi`, `傳送`, `发送`, `から送信`, `에서 보냄`, `beziehen`,
}

// signoffs close a letter; a short line after "sign-off, name" is taken as part of the signature.
var signoffs = []string{
	`all the best`, `best`, `best regards`, `best wishes`, `kind regards`, `kindest regards`,
	`regards`, `warm regards`, `warmest regards`, `cheers`, `thanks`, `thank you`, `many thanks`,
	`thanks again`, `sincerely`, `yours sincerely`, `sincerely yours`, `yours truly`,
	`yours faithfully`, `respectfully`, `take care`, `mit freundlichen grüßen`,
	`mit freundlichen grüssen`, `freundliche grüße`, `freundliche grüsse`, `viele grüße`,
	`viele grüsse`, `beste grüße`, `beste grüsse`, `liebe grüße`, `liebe grüsse`, `lg`, `mfg`,
	`gruß`, `grüße`, `cordialement`, `bien à vous`, `bien cordialement`, `salutations`,
	`met vriendelijke groet`, `vriendelijke groet`, `groeten`, `groetjes`, `saludos`,
	`un saludo`, `atentamente`, `cumprimentos`, `atenciosamente`, `abraços`, `cordiali saluti`,
	`saluti`, `distinti saluti`, `pozdrawiam`, `z poważaniem`, `с уважением`, `hälsningar`,
	`med vänliga hälsningar`, `mvh`, `med venlig hilsen`, `hilsen`, `ystävällisin terveisin`,
	`terveisin`, `üdvözlettel`, `cu stimă`, `με εκτίμηση`, `saygılarımla`, `salud`,
}

func alternation(words []string) string { return strings.Join(words, "|") }

var (
	leadRe = regexp.MustCompile(`(?i)^[\s\-*>]*(?:` + alternation(leadWords) + `)[\s,]`)

	// A date or a time, in any script's digits.
	dateRe = regexp.MustCompile(`\p{Nd}{1,4}\s?[./\-]\s?\p{Nd}{1,2}` + // 2011-03-01, 26.5.2017
		`|\p{Nd}{1,2}[:.]\p{Nd}{2}` + // 12:47
		`|(?:^|\P{Nd})(?:19|20)\p{Nd}{2}(?:\P{Nd}|$)` + // 2014
		`|\p{Nd}{1,2}\.?\s+\p{L}{3,}` + // 9 Jan, 15. juni
		`|\p{L}{3,}\.?\s+\p{Nd}{1,2}(?:\P{Nd}|$)`) // Dec 9
	emailRe = regexp.MustCompile(`[\p{L}\p{N}._%+\-']+@[\p{L}\p{N}\-]+(?:\.[\p{L}\p{N}\-]+)*\.\p{L}{2,}`)

	// Gmail's old attribution had no verb: "2017-11-24 16:32 GMT+01:00 Name <address>:".
	gmailDateRe = regexp.MustCompile(`^\p{Nd}{4}-\p{Nd}{1,2}-\p{Nd}{1,2} \p{Nd}{1,2}:\p{Nd}{2} GMT[+\-]\p{Nd}{1,2}:\p{Nd}{2}\s+\S`)

	// headerKeyRe finds a header field at the start of a line, headerKeyAnyRe anywhere (some
	// clients run the fields together on one line); headerKeyName maps a key to its field.
	headerKeyRe, headerKeyAnyRe, headerKeyName = compileHeaderKeys()

	separatorRe = regexp.MustCompile(`(?i)^[\s\-_=*>#~]*(?:` + alternation(separatorPhrases) + `)[\s\-_=*#~:]*$` +
		// "-------- Ursprüngliche Nachricht --------Von: ..." with the header run on
		`|^[\s*_>]*[-_=]{2,}\s*(?:` + alternation(separatorPhrases) + `)\s*[-_=]{2,}`)
	dashedRe    = regexp.MustCompile(`^[\s*_]*[-=_]{3,}\s*\p{L}[\p{L}'’ \-]{2,40}?\s*[-=_]{3,}[\s*_]*$`)
	dashedAnyRe = regexp.MustCompile(`^[\s*_]*[-=_]{3,}.{1,60}?[-=_]{3,}[\s*_]*$`)
	forwardRe   = regexp.MustCompile(`(?i)^[\s>*]*(?:` + alternation(forwardIntros) + `)\s*[:：]`)

	deviceWordRe   = regexp.MustCompile(`(?i)` + deviceWords)
	devicePrefixRe = regexp.MustCompile(`(?i)^(?:(?:` + alternation(devicePrefixes) + `)(?:[^\p{L}]|$)|` + alternation(deviceJoinedPrefixes) + `)`)
	deviceSuffixRe = regexp.MustCompile(`(?i)(?:` + alternation(deviceSuffixes) + `)$`)
	sentFromMyRe   = regexp.MustCompile(`(?i)^sent from my\s+([^,.;!?]+)(.*)$`)
	excuseRe       = regexp.MustCompile(`(?i)excuse|typo|brevity|pardon|entschuldig|tippfehler|fautes|errores|erros|errori`)
	// "Outlook für iOS beziehen", "Verzonden vanuit Outlook voor iOS": Outlook's app line in any
	// language, with at most a few words around it.
	outlookForRe = regexp.MustCompile(`(?i)^(?:\S+\s+){0,3}outlook\s+(?:\S+\s+)?(?:ios|android)(?:\s+\S+)?$`)
	urlRe        = regexp.MustCompile(`<?\(?https?://[^\s>)]*[>)]?`)
	mdLinkRe     = regexp.MustCompile(`\[([^\]]*)\]\([^)]*\)`)

	signoffRe    = regexp.MustCompile(`(?i)^(?:` + alternation(signoffs) + `)\s*[,.!]?$`)
	bannerRe     = regexp.MustCompile(`(?i)^\W*(?:caution|warning|attention|notice|achtung|vorsicht|attenzione|external)\b`)
	disclaimerRe = regexp.MustCompile(`(?i)confidential|intended (?:solely )?for|intended recipient|privileged|disclaimer|` +
		`vertraulich|confidentiel|riservat|confidencial|poufn|virus`)
	outsideRe = regexp.MustCompile(`(?i)external|outside (?:of )?(?:the |your |our )?organi[sz]ation|extern`)
)

func compileHeaderKeys() (atStart, anywhere *regexp.Regexp, names map[string]string) {
	names = map[string]string{}
	var all []string
	for name, keys := range headerKeys {
		for _, k := range keys {
			names[k] = name
			all = append(all, k)
		}
	}
	// Longer keys first, so "envoyé le" wins over "envoyé" and "de la" over "de".
	sort.Slice(all, func(i, j int) bool { return len(all[i]) > len(all[j]) || len(all[i]) == len(all[j]) && all[i] < all[j] })
	keys := alternation(all)
	atStart = regexp.MustCompile(`(?i)^[\s*_>]*(` + keys + `)[\s*_]*[:：]`)
	anywhere = regexp.MustCompile(`(?i)(?:^|[^\p{L}])(` + keys + `)\s*[:：]`)
	return atStart, anywhere, names
}

// cleanLine is what the rules look at: the line without the invisible marks mail clients sprinkle
// (zero-width spaces, direction marks, Gmail's "ᐧ" tracker), with no-break spaces as spaces and
// the HTML entities some plain-text bodies carry decoded, trimmed.
func cleanLine(s string) string {
	if strings.Contains(s, "&") {
		s = html.UnescapeString(s)
	}
	dirty := false
	for _, r := range s {
		if r >= utf8.RuneSelf {
			dirty = true
			break
		}
	}
	if dirty {
		s = strings.Map(func(r rune) rune {
			switch {
			case r == '\u1427' || r == utf8.RuneError:
				return -1
			case r == '\u00a0' || r == '\u2007' || r == '\u202f' || r == '\u3000':
				return ' '
			case unicode.Is(unicode.Cf, r):
				return -1
			}
			return r
		}, s)
	}
	return strings.TrimSpace(s)
}

// lastVerb returns where the last "wrote" verb in lower (a lower-cased line) ends, or -1.
func lastVerb(lower string) int {
	end := -1
	for _, v := range wroteVerbs {
		for from := len(lower); ; {
			i := strings.LastIndex(lower[:from], v)
			if i < 0 {
				break
			}
			e := i + len(v)
			if e > end && !letterBefore(lower, i) && !letterAfter(lower, e) {
				end = e
				break
			}
			from = i
		}
	}
	for _, v := range cjkVerbs {
		if i := strings.LastIndex(lower, v); i >= 0 && i+len(v) > end {
			end = i + len(v)
		}
	}
	return end
}

func letterBefore(s string, i int) bool {
	r, _ := utf8.DecodeLastRuneInString(s[:i])
	return i > 0 && unicode.IsLetter(r)
}

func letterAfter(s string, i int) bool {
	r, _ := utf8.DecodeRuneInString(s[i:])
	return i < len(s) && unicode.IsLetter(r)
}

// headerKey reports the field a "Key: value" line starts with ("from", "sent", ...).
func headerKey(clean string) (string, bool) {
	// The longest key and its decoration fit in 40 bytes; most lines have no colon that early.
	if i := strings.IndexAny(clean, ":："); i < 0 || i > 40 {
		return "", false
	}
	m := headerKeyRe.FindStringSubmatch(clean)
	if m == nil {
		return "", false
	}
	name := headerKeyName[strings.ToLower(m[1])]
	return name, name != ""
}

// isRule is a line of nothing but dashes, underscores, stars and the like.
func isRule(clean string) bool {
	marks, dots := 0, 0
	for _, r := range clean {
		switch r {
		case '-', '_', '=', '*', '#', '~', '+', '•', '·', '—', '–':
			marks++
		case '.':
			dots++
		case ' ', '\t':
		default:
			return false
		}
	}
	return marks >= 2 || (marks >= 1 && dots >= 3)
}

// isSigDelimiter is the "-- " line that starts a signature by convention.
func isSigDelimiter(clean string) bool {
	return clean == "--" || clean == "—" || clean == "-- --"
}

// isSeparator is a line like "-----Original Message-----" or "Begin forwarded message:".
func isSeparator(clean string) bool {
	if len(clean) > 120 {
		return false
	}
	return separatorRe.MatchString(clean) || dashedRe.MatchString(clean) || forwardRe.MatchString(clean)
}

// isDeviceLine is a "Sent from my iPhone" line in any of the languages above.
func isDeviceLine(clean string) bool {
	if clean == "" || len(clean) > 200 {
		return false
	}
	s := mdLinkRe.ReplaceAllString(clean, "$1")
	s = urlRe.ReplaceAllString(s, "")
	s = strings.Trim(s, " \t()[]<>*_.")
	if s == "" || utf8.RuneCountInString(s) > 100 {
		return false
	}
	if m := sentFromMyRe.FindStringSubmatch(s); m != nil {
		device, rest := strings.Fields(m[1]), strings.TrimSpace(m[2])
		return len(device) > 0 && len(device) <= 6 && (rest == "" || excuseRe.MatchString(rest))
	}
	words := len(strings.Fields(s))
	if words > 12 {
		return false
	}
	if outlookForRe.MatchString(s) && !strings.ContainsAny(s, "?!") {
		return true
	}
	if devicePrefixRe.MatchString(s) || deviceSuffixRe.MatchString(s) {
		if !deviceWordRe.MatchString(s) {
			return false
		}
		// "Sent via mobile" is a device line; "Sent via DHL, it should arrive by Monday" is not.
		if i := strings.IndexAny(s, ",;!?"); i >= 0 && !excuseRe.MatchString(s[i:]) {
			return false
		}
		return words <= 10
	}
	return false
}

func countWords(s string) int { return len(strings.Fields(s)) }

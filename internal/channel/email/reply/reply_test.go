package reply

import (
	"strings"
	"testing"
)

// The corpus holds what other projects pinned; these cases hold layouts it lacks (more languages
// and clients) and texts that must not be cut.

const answer = "Thanks, that works for me.\nSee you on Monday."

func TestSplitAttributions(t *testing.T) {
	headers := []string{
		"On Thu, Jan 5, 2023 at 10:00 AM Jane Roe <jane@example.com> wrote:",
		"On 5 Jan 2023, at 10:00, Jane Roe <jane@example.com> wrote:",
		"On Thu, Jan 5, 2023 at 10:00 AM Jane Roe <\njane@example.com> wrote:",
		"Am Do., 5. Jan. 2023 um 10:00 Uhr schrieb Jane Roe <jane@example.com>:",
		"Am 05.01.2023 um 10:00 schrieb Jane Roe:",
		"Le jeu. 5 janv. 2023 à 10:00, Jane Roe <jane@example.com> a écrit :",
		"Op do 5 jan. 2023 om 10:00 schreef Jane Roe <jane@example.com>:",
		"El jue, 5 ene 2023 a las 10:00, Jane Roe (<jane@example.com>) escribió:",
		"Em qui., 5 de jan. de 2023 às 10:00, Jane Roe <jane@example.com> escreveu:",
		"Il giorno gio 5 gen 2023 alle ore 10:00 Jane Roe <jane@example.com> ha scritto:",
		"czw., 5 sty 2023 o 10:00 Jane Roe <jane@example.com> napisał(a):",
		"Den tors 5 jan. 2023 kl 10:00 skrev Jane Roe <jane@example.com>:",
		"tor. 5. jan. 2023 kl. 10:00 skrev Jane Roe <jane@example.com>:",
		"to 5.1.2023 klo 10.00 Jane Roe (jane@example.com) kirjoitti:",
		"Jane Roe <jane@example.com> ezt írta (időpont: 2023. jan. 5., Cs, 10:00):",
		"čt 5. 1. 2023 v 10:00 odesílatel Jane Roe <jane@example.com> napsal:",
		"Jane Roe <jane@example.com> a scris (joi, 5 ian. 2023, 10:00):",
		"Στις Πέμ 5 Ιαν 2023 στις 10:00, ο/η Jane Roe <jane@example.com> έγραψε:",
		"Jane Roe <jane@example.com>, 5 Oca 2023 Per, 10:00 tarihinde şunu yazdı:",
		"El dj., 5 de gen. 2023 a les 10:00, Jane Roe (<jane@example.com>) va escriure:",
		"чт, 5 янв. 2023 г. в 10:00, Jane Roe <jane@example.com>:",
		"чт, 5 січ. 2023 р. о 10:00 Jane Roe <jane@example.com> пише:",
		"2023年1月5日(木) 10:00 Jane Roe <jane@example.com>:",
		"Jane Roe <jane@example.com> 于2023年1月5日周四 10:00写道：",
		"2023년 1월 5일 (목) 오전 10:00, Jane Roe <jane@example.com>님이 작성:",
		"في الخميس، 5 يناير 2023 في 10:00 ص، كتب Jane Roe <jane@example.com>:",
		"בתאריך יום ה׳, 5 בינו׳ 2023 ב-10:00 מאת Jane Roe <jane@example.com>:",
		"Vào Th 5, 5 thg 1, 2023 vào lúc 10:00 Jane Roe <jane@example.com> đã viết:",
		"Pada tanggal Kam, 5 Jan 2023 pukul 10.00 Jane Roe <jane@example.com> menulis:",
		"jane@example.com wrote:",
		"Quoting Jane Roe <jane@example.com>:",
		"Jane Roe <jane@example.com> hat am 05.01.2023 10:00 geschrieben:",
		"Jane Roe/ACME wrote on 05.01.2023 10:00:",
		"On Thursday, January 5, 2023, 10:00:00 AM GMT+1, Jane Roe <jane@example.com> wrote:",
		"Четверг, 5 января 2023, 10:00 +03:00 от Jane Roe <jane@example.com>:",
		"05.01.2023, 10:00, \"Jane Roe\" <jane@example.com>:",
		"Le 05/01/2023 à 10:00, Jane Roe a écrit :",
		"W dniu 5.01.2023 o 10:00, Jane Roe pisze:",
		"Wiadomość napisana przez Jane Roe <jane@example.com> w dniu 05.01.2023, o godz. 10:00:",
		"2023/01/05 10:00、Jane Roe <jane@example.com> のメール:",
		"ב-5 בינו׳ 2023, בשעה 10:00, Jane Roe <jane@example.com> כתב/ה:",
		"Jane Roe kirjoitti 5.1.2023 kello 10.00:",
		"---- On Thu, 05 Jan 2023 10:00:00 +0100 Jane Roe <jane@example.com> wrote ----",
	}
	// Old Gmail wrote only the date and the sender above the quote.
	checkSplit(t, answer+"\n\n2013/7/20 Jane Roe <jane@example.com>\n\n> Can we meet?\n", answer)
	for _, h := range headers {
		for _, quoted := range []string{"> Can we meet?\n> Jane", "Can we meet?\nJane"} {
			in := answer + "\n\n" + h + "\n\n" + quoted + "\n"
			checkSplit(t, in, answer)
		}
	}
}

func TestSplitHeaderBlocks(t *testing.T) {
	blocks := []string{
		"From: Jane Roe <jane@example.com>\nSent: Thursday, January 5, 2023 10:00 AM\nTo: John Doe\nSubject: Meeting",
		"________________________________\nFrom: Jane Roe <jane@example.com>\nSent: Thursday, January 5, 2023 10:00 AM\nTo: John Doe\nSubject: Meeting",
		"-----Original Message-----\nFrom: Jane Roe\nSent: Thursday\nTo: John Doe\nSubject: Meeting",
		"Von: Jane Roe <jane@example.com>\nGesendet: Donnerstag, 5. Januar 2023 10:00\nAn: John Doe\nBetreff: Termin",
		"De : Jane Roe\nEnvoyé : jeudi 5 janvier 2023 10:00\nÀ : John Doe\nObjet : Rendez-vous",
		"De: Jane Roe\nEnviado: jueves, 5 de enero de 2023 10:00\nPara: John Doe\nAsunto: Reunión",
		"Da: Jane Roe\nInviato: giovedì 5 gennaio 2023 10:00\nA: John Doe\nOggetto: Riunione",
		"Van: Jane Roe\nVerzonden: donderdag 5 januari 2023 10:00\nAan: John Doe\nOnderwerp: Afspraak",
		"Od: Jane Roe\nWysłano: czwartek, 5 stycznia 2023 10:00\nDo: John Doe\nTemat: Spotkanie",
		"Från: Jane Roe\nSkickat: den 5 januari 2023 10:00\nTill: John Doe\nÄmne: Möte",
		"Fra: Jane Roe\nSendt: 5. januar 2023 10:00\nTil: John Doe\nEmne: Møde",
		"Lähettäjä: Jane Roe\nLähetetty: torstai 5. tammikuuta 2023 10.00\nVastaanottaja: John Doe\nAihe: Tapaaminen",
		"Feladó: Jane Roe\nElküldve: 2023. január 5. 10:00\nCímzett: John Doe\nTárgy: Találkozó",
		"Kimden: Jane Roe\nGönderildi: 5 Ocak 2023 Perşembe 10:00\nKime: John Doe\nKonu: Toplantı",
		"Od: Jane Roe\nOdesláno: čtvrtek 5. ledna 2023 10:00\nKomu: John Doe\nPředmět: Schůzka",
		"От: Jane Roe\nОтправлено: 5 января 2023 г. 10:00\nКому: John Doe\nТема: Встреча",
		"Από: Jane Roe\nΣτάλθηκε: Πέμπτη, 5 Ιανουαρίου 2023 10:00\nΠρος: John Doe\nΘέμα: Συνάντηση",
		"差出人: Jane Roe\n送信日時: 2023年1月5日 10:00\n宛先: John Doe\n件名: 会議",
		"寄件者: Jane Roe\n寄件日期: 2023年1月5日 10:00\n收件者: John Doe\n主旨: 會議",
		"보낸 사람: Jane Roe\n보낸 날짜: 2023년 1월 5일 10:00\n받는 사람: John Doe\n제목: 회의",
		"מאת: Jane Roe\nנשלח: יום חמישי 5 ינואר 2023 10:00\nאל: John Doe\nנושא: פגישה",
		"*From:* Jane Roe\n*Sent:* Thursday, January 5, 2023 10:00 AM\n*To:* John Doe\n*Subject:* Meeting",
		"---------- Forwarded message ---------\nFrom: Jane Roe <jane@example.com>\nDate: Thu, Jan 5, 2023 at 10:00 AM\nSubject: Meeting\nTo: <john@example.com>",
		"---------- Weitergeleitete Nachricht ---------\nVon: Jane Roe <jane@example.com>\nDate: Do., 5. Jan. 2023 um 10:00 Uhr",
		"Begin forwarded message:\n\nFrom: Jane Roe <jane@example.com>\nSubject: Meeting\nDate: 5 January 2023 at 10:00:00 CET\nTo: john@example.com",
	}
	for _, b := range blocks {
		checkSplit(t, answer+"\n\n"+b+"\n\nCan we meet?\nJane\n", answer)
		// Outlook puts no empty line above its rule.
		checkSplit(t, answer+"\n"+b+"\n\nCan we meet?\nJane\n", answer)
	}
}

func TestSplitSignatures(t *testing.T) {
	sigs := []string{
		"-- \nJohn Doe\nAcme Inc.",
		"--\nJohn Doe",
		"Sent from my iPhone",
		"Sent from my Galaxy, please excuse typos",
		"Sent from Yahoo Mail for iPhone",
		"Sent with Proton Mail secure email.",
		"Get Outlook for Android<https://aka.ms/ghei36>",
		"Verzonden vanuit Outlook voor iOS",
		"Gesendet mit der mobilen Mail App",
		"Von meinem iPhone gesendet",
		"Gesendet von meinem Samsung Galaxy Smartphone.",
		"Envoyé de mon iPhone",
		"Enviado desde mi iPhone",
		"Enviado do meu iPhone",
		"Inviato da iPhone",
		"Verstuurd vanaf mijn iPhone",
		"Wysłane z iPhone'a",
		"Skickat från min iPhone",
		"Sendt fra min iPhone",
		"Lähetetty iPhonesta",
		"Отправлено с iPhone",
		"Надіслано з iPhone",
		"Odesláno z iPhonu",
		"Trimis de pe iPhone-ul meu",
		"Εστάλη από το iPhone μου",
		"iPhone'umdan gönderildi",
		"Az iPhone-omról küldve",
		"从我的iPhone发送",
		"iPhoneから送信",
		"iPhone에서 보냄",
		"נשלח מה-iPhone שלי",
		"أُرسلت من الـ iPhone",
		"_______________________________________________\nriak-users mailing list\nriak-users@lists.basho.com",
		"-----\nJohn Doe\nAcme Inc.",
	}
	for _, s := range sigs {
		checkSplit(t, answer+"\n\n"+s+"\n", answer)
	}
}

// Texts that look a little like a marker but are the reply itself.
func TestSplitKeeps(t *testing.T) {
	keep := []string{
		"On the other hand, the invoice was right.\nOn average we answer within a day.",
		"Sent from my desk, which is much easier than my phone.",
		"The parcel was sent from our warehouse in Lyon.",
		"Sent via DHL, it should arrive by Monday.",
		"Something wrote: this is fine.",
		"As John said, the 12:00 slot works.",
		"Name  | Date\n------|-----\nJane  | 05.01.2023",
		"Dates to check:\n2024-01-15 14:30:25\n15.01.2024 14:30",
		"Please call me.\n\nThanks,\nJohn\n\nP.S. The door code is 1234.",
		"I wrote to them on 12.03.2024 and they said no.",
		"```\n-- \nSent from my iPhone\n```\nThat is what the log shows.",
		"Date: Friday\nPlace: Paris\nAgenda: budget",
		"Thanks,\n\nJohn\n\nAlso, the invoice is wrong.",
		"Here is my analysis.\n\n----\n\nThe dashes above are Markdown, not a signature, so keep them.",
	}
	for _, k := range keep {
		checkSplit(t, k, k)
	}
}

func TestSplitLayouts(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"interleaved answers stay", "Hi,\n\nOn Thu, Jan 5, 2023 at 10:00 AM Jane <jane@example.com> wrote:\n> When?\n\nMonday.\n\n> Where?\n\nHere.\n\n> Jane\n",
			"Hi,\n\nMonday.\n\nHere."},
		{"short answers between short quotes", "> Can you do Monday?\nYes.\n> And Tuesday?\nNo.", "Yes.\nNo."},
		{"reply below the header", "On 5 Jan 2023, at 10:00, Jane <jane@example.com> wrote:\n\nMonday works.\n", "Monday works."},
		{"forward without a comment shows the forwarded mail", "---------- Forwarded message ---------\nFrom: Jane <jane@example.com>\nDate: Thu, Jan 5, 2023\nSubject: Meeting\nTo: <support@example.com>\n\nCan we meet?\n",
			"Can we meet?"},
		{"only a quote", "> Can we meet?\n> Jane\n", ""},
		{"device line at the top", "Sent from my iPhone\n\n" + answer, answer},
		{"external sender banner", "[EXTERNAL] This email originated from outside of the organization.\n\n" + answer, answer},
		{"CRLF", strings.ReplaceAll(answer+"\n\nOn Thu, Jan 5, 2023 at 10:00 AM Jane <jane@example.com> wrote:\n> x\n", "\n", "\r\n"),
			answer},
		{"rule inside the reply", "First part.\n\n________________________________\n\nThis is the second part of the new reply.\n\nBest regards,\nJane\n\nOn July 28, 2026, John wrote:\n> The old message.\n",
			"First part.\n\n________________________________\n\nThis is the second part of the new reply.\n\nBest regards,\nJane"},
		{"disclaimer under a rule", "Yes.\n\nJane\n\n________________________________\nThis email is confidential and intended solely for the addressee.\n\nOn July 28, 2026, John wrote:\n> The old message.\n",
			"Yes.\n\nJane"},
		{"garbled separator", "Gut, und dir?\n\nEva\n\nMag. Eva Muster\nTel: +44-7700-900333\n-----Urspr=C3=BCngliche Nachricht-----\nVon: Adam [mailto:adam@example.com]\nGesendet: Dienstag, 3. J=C3=A4nner 2017 20:00\nAn: Eva\nBetreff: Hallo\n\nHallo Eva\n",
			"Gut, und dir?\n\nEva\n\nMag. Eva Muster\nTel: +44-7700-900333"},
		{"signature card", "Please call me.\n\nFreundliche Grüße\nAnke\n\n**Anke Muster**,\nImplementation Specialist\n![Logo](https://example.com/logo.png)\n\nLerne jetzt unsere neuesten Funktionen kennen!\nWebinare",
			"Please call me."},
		{"header run onto the separator", "Welches Dokument?\n-------- Ursprüngliche Nachricht --------Von: \"Shop\"  Datum: 07.08.24  18:46  (GMT+01:00) An: Betreff: Rücksendung\n\nHallo Martin,\n",
			"Welches Dokument?"},
		{"after sign-off and name", "Please call me.\n\nKind regards,\n\nJohn\n\nACME SUPPORT", "Please call me.\n\nKind regards,\n\nJohn"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { checkSplit(t, tt.in, tt.want) })
	}
}

func TestSplitHTML(t *testing.T) {
	tests := []struct{ name, in, want, wantHTML string }{
		{"gmail",
			`<div dir="ltr">Monday works.<div><br></div><div>John</div></div><br><div class="gmail_quote gmail_quote_container"><div dir="ltr" class="gmail_attr">On Thu, Jan 5, 2023 at 10:00 AM Jane &lt;<a href="mailto:jane@example.com">jane@example.com</a>&gt; wrote:<br></div><blockquote class="gmail_quote" style="margin:0px 0px 0px 0.8ex;border-left:1px solid rgb(204,204,204);padding-left:1ex"><div dir="ltr">Can we meet?</div></blockquote></div>`,
			"Monday works.\n\nJohn", `<div dir="ltr">Monday works.<div><br/></div><div>John</div></div>`},
		{"gmail signature",
			`<div dir="ltr">Monday works.<br clear="all"><br><span class="gmail_signature_prefix">-- </span><br><div dir="ltr" class="gmail_signature" data-smartmail="gmail_signature">John Doe<br>Acme</div></div>`,
			"Monday works.", ""},
		{"outlook web",
			`<div>Monday works.</div><hr style="display:inline-block;width:98%" tabindex="-1"><div id="divRplyFwdMsg" dir="ltr"><b>From:</b> Jane<br><b>Sent:</b> Thursday<br><b>To:</b> John<br><b>Subject:</b> Meeting</div><div>Can we meet?</div>`,
			"Monday works.", `<div>Monday works.</div>`},
		{"outlook desktop",
			`<div class="WordSection1"><p class="MsoNormal">Monday works.<o:p></o:p></p><p class="MsoNormal"><o:p>&nbsp;</o:p></p><div><div style="border:none;border-top:solid #E1E1E1 1.0pt;padding:3.0pt 0cm 0cm 0cm"><p class="MsoNormal"><b>Von:</b> Jane &lt;jane@example.com&gt;<br><b>Gesendet:</b> Donnerstag, 5. Januar 2023 10:00<br><b>An:</b> John<br><b>Betreff:</b> Termin<o:p></o:p></p></div></div><p class="MsoNormal">Can we meet?</p></div>`,
			"Monday works.", ""},
		{"apple mail inline",
			`<div>Hi,</div><div><br><blockquote type="cite"><div>On 5 Jan 2023, at 10:00, Jane &lt;jane@example.com&gt; wrote:</div><div>When?</div></blockquote></div><div>Monday.</div><blockquote type="cite"><div>Jane</div></blockquote>`,
			"Hi,\n\nMonday.", ""},
		{"yahoo",
			`<div>Monday works.</div><div id="yahoo_quoted_1234" class="yahoo_quoted"><div>On Thursday, January 5, 2023, 10:00 AM, Jane wrote:</div><div>Can we meet?</div></div>`,
			"Monday works.", `<div>Monday works.</div>`},
		{"indent is not a quote",
			`<div>Steps:</div><blockquote style="margin:0 0 0 40px;border:none;padding:0px"><div>restart the router</div></blockquote>`,
			"Steps:\nrestart the router", ""},
		{"gmail forward without a comment",
			`<div dir="ltr"><br><br><div class="gmail_quote"><div dir="ltr" class="gmail_attr">---------- Forwarded message ---------<br>From: <strong class="gmail_sendername" dir="auto">Jane</strong> <span dir="auto">&lt;<a href="mailto:jane@example.com">jane@example.com</a>&gt;</span><br>Date: Thu, Jan 5, 2023 at 10:00 AM<br>Subject: Meeting<br>To: &lt;<a href="mailto:john@example.com">john@example.com</a>&gt;<br></div><br><br><div dir="ltr">Can we meet?</div></div></div>`,
			"Can we meet?", ""},
		{"apple mail forward",
			`<div>FYI, see below.</div><div><br><div>Begin forwarded message:</div><br class="Apple-interchange-newline"><blockquote type="cite"><div><b>From: </b>Jane &lt;jane@example.com&gt;</div><div><b>Subject: </b>Meeting</div><div>Can we meet?</div></blockquote></div>`,
			"FYI, see below.", `<div>FYI, see below.</div>`},
		{"plain text in html",
			`<pre>Monday works.

On Thu, Jan 5, 2023 at 10:00 AM Jane &lt;jane@example.com&gt; wrote:
&gt; Can we meet?
</pre>`,
			"Monday works.", "<pre>Monday works.\n</pre>"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := SplitHTML(tt.in)
			if got.Visible != tt.want {
				t.Errorf("Visible = %q, want %q (quoted %q)", got.Visible, tt.want, got.Quoted)
			}
			if tt.wantHTML != "" && got.VisibleHTML != tt.wantHTML {
				t.Errorf("VisibleHTML = %q, want %q", got.VisibleHTML, tt.wantHTML)
			}
			// The same words; spacing may differ where a wrapper of a hidden quote went.
			if again := SplitHTML(got.VisibleHTML); normalise(again.Visible, "ignore_all_whitespace") != normalise(got.Visible, "ignore_all_whitespace") {
				t.Errorf("VisibleHTML reads as %q, Visible is %q", again.Visible, got.Visible)
			}
		})
	}
}

func TestSplitMessage(t *testing.T) {
	msg := "From: Jane <jane@example.com>\r\nTo: support@example.com\r\nSubject: Re: Meeting\r\n" +
		"MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b1\r\n\r\n" +
		"--b1\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n" +
		"Montag passt f=C3=BCr mich.\r\n\r\nAm 05.01.2023 um 10:00 schrieb John <john@example.com>:\r\n> Wann?\r\n" +
		"--b1\r\nContent-Type: text/plain; name=notes.txt\r\nContent-Disposition: inline; filename=notes.txt\r\n\r\nnotes\r\n" +
		"--b1--\r\n"
	got, err := SplitMessage([]byte(msg))
	if err != nil {
		t.Fatal(err)
	}
	if got.Visible != "Montag passt für mich." {
		t.Errorf("Visible = %q", got.Visible)
	}

	htmlOnly := "From: Jane <jane@example.com>\r\nSubject: Re: x\r\nMIME-Version: 1.0\r\nContent-Type: text/html; charset=utf-8\r\n\r\n" +
		`<div>Monday works.</div><div class="gmail_quote">On Thu, Jane wrote:<blockquote>When?</blockquote></div>`
	got, err = SplitMessage([]byte(htmlOnly))
	if err != nil {
		t.Fatal(err)
	}
	if got.Visible != "Monday works." || got.VisibleHTML != "<div>Monday works.</div>" {
		t.Errorf("got %+v", got)
	}
}

// checkSplit checks Visible and that nothing of the input is lost between Visible and Quoted.
func checkSplit(t *testing.T, in, want string) {
	t.Helper()
	got := Split(in)
	if got.Visible != want {
		t.Errorf("Split(%q)\n Visible = %q\n    want %q", in, got.Visible, want)
	}
	assertNothingLost(t, in, got)
}

func assertNothingLost(t *testing.T, in string, got Result) {
	t.Helper()
	rest := got.Visible + "\n" + got.Quoted
	for _, l := range strings.Split(strings.ReplaceAll(in, "\r\n", "\n"), "\n") {
		if l = strings.TrimSpace(l); l != "" && !strings.Contains(rest, l) {
			t.Errorf("line %q is in neither Visible nor Quoted", l)
		}
	}
}

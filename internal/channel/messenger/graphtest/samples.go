package graphtest

import (
	"fmt"
	"strings"
)

// The examples of Meta's webhook event reference for Messenger (messages, message_echoes,
// messaging_postbacks, message_deliveries, message_reads), one messaging event each, with the
// reference's own placeholders (<PSID>, <PAGE_ID>, <ATTACHMENT_URL>, …). Fill replaces them;
// Envelope wraps events as Meta posts them.
const (
	// SampleQuickReply is the messages reference's text message with a quick reply's payload.
	SampleQuickReply = `{"sender":{"id":"<PSID>"},"recipient":{"id":"<PAGE_ID>"},"timestamp":1458692752478,` +
		`"message":{"mid":"mid.1457764197618:41d102a3e1ae206a38","text":"hello, world!","quick_reply":{"payload":"<DEVELOPER_DEFINED_PAYLOAD>"}}}`
	// SampleReplyTo is the messages reference's text message that answers another.
	SampleReplyTo = `{"sender":{"id":"<PSID>"},"recipient":{"id":"<PAGE_ID>"},"timestamp":1458692752478,` +
		`"message":{"mid":"m_1457764197618:41d102a3e1ae206a38","text":"hello, world!","reply_to":{"mid":"m_1fTq8oLumEyIp3Q2MR-aY7IfLZDamVrALniheU"}}}`
	// SampleAttachment is the messages reference's message with an attachment.
	SampleAttachment = `{"sender":{"id":"<PSID>"},"recipient":{"id":"<PAGE_ID>"},"timestamp":1518479195308,` +
		`"message":{"mid":"mid.$cAAJdkrCd2ORnva8ErFhjGm0X_Q_c","attachments":[{"type":"<image|video|audio|file>","payload":{"url":"<ATTACHMENT_URL>"}}]}}`
	// SampleSticker is a sticker as the messages reference describes it during the sticker
	// attachment type's transition: an image and a sticker attachment, both with the sticker's id.
	SampleSticker = `{"sender":{"id":"<PSID>"},"recipient":{"id":"<PAGE_ID>"},"timestamp":1518479195308,` +
		`"message":{"mid":"<MID>","sticker_id":<STICKER_ID>,"attachments":[` +
		`{"type":"image","payload":{"url":"<ATTACHMENT_URL>","sticker_id":<STICKER_ID>}},` +
		`{"type":"sticker","payload":{"url":"<ATTACHMENT_URL>","sticker_id":<STICKER_ID>}}]}}`
	// SampleEcho is the message_echoes reference's common format, with a text.
	SampleEcho = `{"sender":{"id":"<PAGE_ID>"},"recipient":{"id":"<PSID>"},"timestamp":1457764197627,` +
		`"message":{"is_echo":true,"app_id":1517776481860111,"metadata":"<DEVELOPER_DEFINED_METADATA_STRING>",` +
		`"mid":"mid.1457764197618:41d102a3e1ae206a38","text":"hello, world!"}}`
	// SamplePostback is the messaging_postbacks reference's example.
	SamplePostback = `{"sender":{"id":"<PSID>"},"recipient":{"id":"<PAGE_ID>"},"timestamp":1527459824,` +
		`"postback":{"mid":"m_AG5Hz2Uq7tuwNEhXfYYKj8mJEM_QPpz5jdCK48PnKAjSdjfipqxqMvK8ma6AC8fplwlqLP_5cgXIbu7I3rBN0P","title":"<TITLE_FOR_THE_CTA>","payload":"<USER_DEFINED_PAYLOAD>"}}`
	// SampleDelivery is the message_deliveries reference's example.
	SampleDelivery = `{"sender":{"id":"<PSID>"},"recipient":{"id":"<PAGE_ID>"},` +
		`"delivery":{"mids":["mid.1458668856218:ed81099e15d3f4f233"],"watermark":1458668856253}}`
	// SampleRead is the message_reads reference's example.
	SampleRead = `{"sender":{"id":"<PSID>"},"recipient":{"id":"<PAGE_ID>"},"timestamp":1458668856463,"read":{"watermark":1458668856253}}`
)

// Fill replaces placeholders (or any literal text) in a sample: Fill(SampleRead, "<PSID>", "123").
func Fill(sample string, oldNew ...string) string {
	return strings.NewReplacer(oldNew...).Replace(sample)
}

// Envelope wraps messaging events of one Page in the body Meta posts.
func Envelope(pageID string, time int64, events ...string) []byte {
	return []byte(fmt.Sprintf(`{"object":"page","entry":[{"id":"%s","time":%d,"messaging":[%s]}]}`, pageID, time, strings.Join(events, ",")))
}

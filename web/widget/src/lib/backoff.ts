// The widget's reconnect timing is the one both apps share.
export { backoff, baseDelayMs, maxDelayMs, soon } from "../../../livesocket/backoff";

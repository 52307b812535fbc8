// English: the reference catalogue. Every other language has the same keys (checked by tsc).
// `launcher` is what the loader shows on the host page; `strings` is the chat frame's text.
// Placeholders: {n}, {name}, {email}. A text with a count may hold two forms, "one|other" (plural in
// i18n/format.ts); a language whose words do not change with the count has one.

export const launcher = {
  open: "Open chat",
  close: "Close chat",
  unread: "{n} unread message|{n} unread messages",
  newMessage: "New message",
  frameTitle: "Chat",
  dismiss: "Dismiss",
};

export const strings = {
  greeting: "Hi! How can we help you?",
  online: "We're online",
  away: "We'll get back to you soon",
  connecting: "Connecting…",
  reconnecting: "Connection lost. Reconnecting…",
  unavailable: "The chat is not available right now.",
  placeholder: "Write a message…",
  messageLabel: "Message",
  send: "Send",
  attach: "Attach a file",
  close: "Close chat",
  you: "You",
  sending: "Sending…",
  typing: "{name} is typing…",
  joined: "{name} joined the chat",
  assignedUser: "You're now chatting with {name}",
  assignedTeam: "Your chat was passed to a colleague",
  unassigned: "We're connecting you with the next available colleague",
  closed: "The chat was closed",
  reopened: "The chat was reopened",
  ratedThanks: "Thanks for your rating",
  ratePrompt: "How was this chat?",
  star: "{n} of 5 stars",
  offlineTitle: "Nobody is online right now",
  offlineText: "Leave your email address and we'll reply by email.",
  nameLabel: "Name (optional)",
  emailLabel: "Email",
  save: "Save",
  saved: "Thanks! We'll reply to {email}.",
  emailInvalid: "Please enter a valid email address.",
  uploading: "Uploading {name}…",
  uploadFailed: "The file could not be uploaded.",
  fileTooLarge: "This file is too large.",
  fileType: "This type of file can't be sent.",
  tooLong: "Your message is too long.",
  earlier: "Earlier conversation",
  file: "File",
  download: "Download {name}",
  image: "Image",
  skip: "Skip",
  skipped: "Skipped",
  confirm: "Confirm",
  consentNeeded: "Please tick the box to continue.",
  declined: "I don't agree",
  waiting: "Waiting for an agent… {time}",
  required: "Please fill in this field.",
  tooShort: "Please enter at least {n} character.|Please enter at least {n} characters.",
  tooLongField: "Please enter at most {n} character.|Please enter at most {n} characters.",
  phoneInvalid: "Please enter a valid phone number.",
  fieldInvalid: "Please check what you entered.",
};

export type Launcher = typeof launcher;
export type Strings = typeof strings;

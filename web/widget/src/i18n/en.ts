// English: the reference catalogue. Every other language has the same keys (checked by tsc).
// `launcher` is what the loader shows on the host page; `strings` is the chat frame's text.
// Placeholders: {n}, {name}, {email}.

export const launcher = {
  open: "Open chat",
  close: "Close chat",
  unread: "{n} unread messages",
  newMessage: "New message",
  frameTitle: "Chat",
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
};

export type Launcher = typeof launcher;
export type Strings = typeof strings;

// The emoji picker's chunk for the chat frame (dist/emoji.js and emoji.css): loaded only when the
// visitor first opens the picker, so it is not part of the widget's size budget. It hands its open
// function to the frame on its own script element.
import "../../emoji/emoji-picker.css";
import "./frame/emoji.css";
import { announcePicker } from "../../emoji/emoji-picker";

announcePicker();

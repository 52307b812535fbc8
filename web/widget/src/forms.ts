// The forms chunk for the chat frame (dist/forms.js and forms.css): the capture and consent cards,
// the rating prompt and the offline contact form, loaded the first time one is drawn, so they are
// not part of the widget's size budget (frame/forms.tsx).
import "./frame/forms.css";
import { announceForms } from "./frame/forms";

announceForms();

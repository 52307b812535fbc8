// A still picture of the widget as the playbook makes it look: the header in the bot's colours
// with its name and avatar, the first cards a visitor sees, and the launcher on its side. It is
// drawn from the editor's state, so it follows every change at once.
import type { ComponentChildren } from "preact";
import { t } from "../../i18n";
import { type Card, type Flow, opening } from "../flow";
import { type Block, type Inline, parse } from "../markdown";
import { initials } from "../text";
import type { Appearance } from "../types";
import { Icon } from "../ui";

function renderInline(xs: Inline[]): ComponentChildren {
  return xs.map((x, i) => {
    switch (x.t) {
      case "text":
        return x.v;
      case "b":
        return <strong key={i}>{renderInline(x.c)}</strong>;
      case "i":
        return <em key={i}>{renderInline(x.c)}</em>;
      case "a":
        // Not followed from the preview: it only shows that the text is a link.
        return (
          <span key={i} class="pv-link">
            {renderInline(x.c)}
          </span>
        );
      case "img":
        return x.src.startsWith("/") ? <img key={i} src={x.src} alt={x.alt} class="pv-img" /> : <span key={i}>[{x.alt || "image"}]</span>;
    }
  });
}

/** Rich shows a card's markdown as the widget would, without ever making HTML from it. */
export function Rich({ text }: { text: string }) {
  const blocks: Block[] = parse(text);
  return (
    <>
      {blocks.map((b, i) =>
        b.t === "p" ? (
          <p key={i}>{renderInline(b.c)}</p>
        ) : (
          <ul key={i}>
            {b.items.map((it, j) => (
              <li key={j}>{renderInline(it)}</li>
            ))}
          </ul>
        ),
      )}
    </>
  );
}

function CardBubble({ card, a }: { card: Card; a: Appearance }) {
  const accent = { borderColor: a.color, color: "inherit" };
  switch (card.type) {
    case "message":
      return (
        <div class="pv-bub">
          <Rich text={card.markdown || ""} />
        </div>
      );
    case "question":
      return (
        <>
          <div class="pv-bub">
            <Rich text={card.markdown || ""} />
          </div>
          <div class="pv-answers">
            {(card.answers || []).map((x) => (
              <span class="pv-answer" style={accent} key={x.id}>
                {x.label}
              </span>
            ))}
          </div>
        </>
      );
    case "capture":
      return (
        <div class="pv-card">
          <Rich text={card.markdown || ""} />
          <span class="pv-input">{(card.field && (card.field.placeholder || card.field.label)) || ""}</span>
          <span class="pv-btn" style={{ background: a.color, color: a.text_color }}>
            →
          </span>
        </div>
      );
    case "consent":
      return (
        <div class="pv-card">
          <Rich text={card.markdown || ""} />
          <span class="pv-check">
            <span class="pv-box" aria-hidden="true" /> {card.checkbox_label}
          </span>
        </div>
      );
    case "live_chat":
      return (
        <div class="pv-bub">
          <Rich text={card.online_markdown || ""} />
        </div>
      );
    default:
      return null;
  }
}

// The bot's name when the playbook gives none: the server's default in the bot's language.
const defaultBotNames: Record<string, string> = { en: "Assistant", de: "Assistent", nl: "Assistent", tr: "Asistan", hu: "Asszisztens" };

export function Preview({ appearance, flow, cards }: { appearance: Appearance; flow: Flow; cards?: Card[] }) {
  const a = appearance;
  const shown = cards || opening(flow);
  const head = { background: a.color, color: a.text_color };
  const name = a.bot_name || defaultBotNames[a.language] || defaultBotNames.en;
  return (
    <figure class={"pv" + (a.side === "left" ? " pv-left" : "")} aria-label={t("admin.pb.preview")}>
      <figcaption class="pv-caption">{t("admin.pb.preview")}</figcaption>
      <div class="pv-frame" aria-hidden="true">
        <div class="pv-head" style={head}>
          {a.avatar && a.avatar.startsWith("/") ? (
            <img class="pv-av" src={a.avatar} alt="" />
          ) : (
            <span class="pv-av" style={{ background: a.text_color, color: a.color }}>
              {initials(name)}
            </span>
          )}
          <span class="pv-name">{name}</span>
        </div>
        <div class="pv-log" lang={a.language || undefined}>
          {shown.length === 0 && <p class="pv-empty">{t("admin.pb.previewEmpty")}</p>}
          {shown.map((c) => (
            <CardBubble card={c} a={a} key={c.id} />
          ))}
        </div>
        <div class="pv-comp">
          <span class="pv-field" />
          <span class="pv-send" style={{ color: a.color }}>
            ➤
          </span>
        </div>
      </div>
      <span class="pv-launcher" style={head} aria-hidden="true">
        <Icon name={a.icon === "help" || a.icon === "wave" ? a.icon : "chat"} />
      </span>
    </figure>
  );
}

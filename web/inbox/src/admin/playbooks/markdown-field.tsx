// A card text as markdown, with a small toolbar (bold, italic, link, list) and Ctrl/⌘+B, +I, +K.
import { useId, useRef } from "preact/hooks";
import { t } from "../../i18n";
import { type Format, format } from "../text";
import { Icon } from "../ui";

export function MarkdownField(props: { label: string; value: string; onValue: (v: string) => void; error?: string; hint?: string; rows?: number; name?: string }) {
  const id = useId();
  const ref = useRef<HTMLTextAreaElement>(null);
  const apply = (kind: Format) => {
    const ta = ref.current!;
    const e = format(ta.value, ta.selectionStart, ta.selectionEnd, kind, t("admin.pb.md.placeholder"));
    props.onValue(e.value);
    // Put the selection back once the new value is rendered.
    requestAnimationFrame(() => {
      ta.focus();
      ta.setSelectionRange(e.start, e.end);
    });
  };
  const tools: { kind: Format; label: string; glyph: string; key: string }[] = [
    { kind: "bold", label: t("admin.pb.md.bold"), glyph: "B", key: "b" },
    { kind: "italic", label: t("admin.pb.md.italic"), glyph: "I", key: "i" },
    { kind: "link", label: t("admin.pb.md.link"), glyph: "", key: "k" },
    { kind: "list", label: t("admin.pb.md.list"), glyph: "•≡", key: "" },
  ];
  const hintId = id + "-hint";
  const errId = id + "-err";
  return (
    <div class="adm-field adm-md">
      <label for={id}>{props.label}</label>
      <div class="adm-md-tools" role="toolbar" aria-label={t("admin.pb.md.toolbar", { name: props.label })} aria-controls={id}>
        {tools.map((x) => (
          <button
            type="button"
            key={x.kind}
            class={"adm-md-btn adm-md-" + x.kind}
            aria-label={x.label}
            title={x.key ? `${x.label} (Ctrl+${x.key.toUpperCase()})` : x.label}
            onMouseDown={(e) => e.preventDefault()}
            onClick={() => apply(x.kind)}
          >
            {x.glyph ? <span aria-hidden="true">{x.glyph}</span> : <Icon name="link" />}
          </button>
        ))}
      </div>
      <textarea
        id={id}
        ref={ref}
        name={props.name}
        rows={props.rows || 3}
        value={props.value}
        aria-invalid={props.error ? "true" : undefined}
        aria-describedby={[props.hint ? hintId : "", props.error ? errId : ""].filter(Boolean).join(" ") || undefined}
        onInput={(e) => props.onValue((e.currentTarget as HTMLTextAreaElement).value)}
        onKeyDown={(e) => {
          if (!(e.ctrlKey || e.metaKey) || e.altKey || e.shiftKey) return;
          const tool = tools.find((x) => x.key && x.key === e.key.toLowerCase());
          if (tool) {
            e.preventDefault();
            apply(tool.kind);
          }
        }}
      />
      <p class="adm-hint" id={hintId}>
        {props.hint || t("admin.pb.md.hint")}
      </p>
      {props.error && (
        <p class="adm-err" id={errId}>
          {props.error}
        </p>
      )}
    </div>
  );
}

// The bot's look: colours, launcher icon, language, name, avatar and side.
import { useId } from "preact/hooks";
import { t } from "../../i18n";
import { contrast } from "../text";
import type { Appearance } from "../types";
import { Field, Icon, SelectField, TextField } from "../ui";

export const botLanguages = ["en", "de", "nl", "tr", "hu"];
const langNames: Record<string, string> = { en: "English", de: "Deutsch", nl: "Nederlands", tr: "Türkçe", hu: "Magyar" };

export function defaultAppearance(language: string): Appearance {
  return { color: "#1f6feb", text_color: "#ffffff", icon: "chat", bot_name: "", avatar: "", language: botLanguages.includes(language) ? language : "en", side: "right" };
}

/** fieldError picks the problem for one field ("appearance.color") from a list. */
export function fieldError(problems: { field?: string; message: string; card_id?: string }[], field: string): string | undefined {
  const p = problems.find((x) => !x.card_id && x.field === field);
  return p ? p.message : undefined;
}

function ColorField({ label, value, onValue, error }: { label: string; value: string; onValue: (v: string) => void; error?: string }) {
  const pickerId = useId();
  return (
    <Field label={label} error={error} class="adm-color">
      {(id, desc) => (
        <div class="adm-color-row">
          <input
            type="color"
            id={pickerId}
            aria-label={t("admin.pb.pickColor", { name: label })}
            value={/^#[0-9a-f]{6}$/i.test(value) ? value : "#000000"}
            onInput={(e) => onValue((e.currentTarget as HTMLInputElement).value)}
          />
          <input id={id} aria-describedby={desc} value={value} spellcheck={false} autocomplete="off" size={8} onInput={(e) => onValue((e.currentTarget as HTMLInputElement).value.trim())} />
        </div>
      )}
    </Field>
  );
}

export function AppearanceForm({ value, onChange, problems = [] }: { value: Appearance; onChange: (a: Appearance) => void; problems?: { field?: string; message: string; card_id?: string }[] }) {
  const set = (patch: Partial<Appearance>) => onChange({ ...value, ...patch });
  const ratio = contrast(value.color, value.text_color);
  const iconName = useId();
  return (
    <div class="adm-form adm-appearance">
      <div class="adm-grid">
        <ColorField label={t("admin.pb.color")} value={value.color} onValue={(color) => set({ color })} error={fieldError(problems, "appearance.color")} />
        <ColorField label={t("admin.pb.textColor")} value={value.text_color} onValue={(text_color) => set({ text_color })} error={fieldError(problems, "appearance.text_color")} />
      </div>
      {ratio > 0 && ratio < 4.5 && (
        <p class="adm-warn" role="status">
          <Icon name="warn" /> {t("admin.pb.lowContrast", { ratio: ratio.toFixed(1) })}
        </p>
      )}
      <fieldset class="adm-radios adm-icons">
        <legend>{t("admin.pb.icon")}</legend>
        {["chat", "help", "wave"].map((ic) => (
          <label key={ic} class={value.icon === ic ? "adm-picked" : ""}>
            <input type="radio" name={iconName} value={ic} checked={value.icon === ic} onChange={() => set({ icon: ic })} />
            <Icon name={ic} /> {t("admin.pb.icon." + ic)}
          </label>
        ))}
      </fieldset>
      <div class="adm-grid">
        <SelectField label={t("admin.pb.language")} value={value.language || "en"} options={botLanguages.map((l) => ({ value: l, label: langNames[l] }))} onValue={(language) => set({ language })} hint={t("admin.pb.languageHint")} />
        <TextField label={t("admin.pb.botName")} value={value.bot_name} onValue={(bot_name) => set({ bot_name })} maxLength={60} hint={t("admin.pb.botNameHint")} error={fieldError(problems, "appearance.bot_name")} autocomplete="off" />
        <TextField label={t("admin.pb.avatar")} value={value.avatar} onValue={(avatar) => set({ avatar })} hint={t("admin.pb.avatarHint")} error={fieldError(problems, "appearance.avatar")} autocomplete="off" />
        <SelectField
          label={t("admin.pb.side")}
          value={value.side === "left" ? "left" : "right"}
          options={[
            { value: "right", label: t("admin.pb.side.right") },
            { value: "left", label: t("admin.pb.side.left") },
          ]}
          onValue={(side) => set({ side })}
        />
      </div>
    </div>
  );
}

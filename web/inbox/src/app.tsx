import { t } from "./i18n";

export function App() {
  return <main>{t("app.name")}</main>;
}

const en: Record<string, string> = {
  "app.name": "Parley",
};
export default en;

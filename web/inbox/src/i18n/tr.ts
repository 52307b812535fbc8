const tr: Record<string, string> = {
  "app.name": "Parley",
};
export default tr;

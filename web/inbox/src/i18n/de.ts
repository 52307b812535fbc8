const de: Record<string, string> = {
  "app.name": "Parley",
};
export default de;

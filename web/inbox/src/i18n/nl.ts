const nl: Record<string, string> = {
  "app.name": "Parley",
};
export default nl;

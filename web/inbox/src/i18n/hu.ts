const hu: Record<string, string> = {
  "app.name": "Parley",
};
export default hu;

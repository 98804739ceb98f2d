// The saved theme, applied before the page is drawn (loaded without defer, in <head>), so a
// dark-theme reader never sees a flash of the light one. app.js switches it.
document.documentElement.dataset.theme = localStorage.getItem("dataops-theme") || "auto";

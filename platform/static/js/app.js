// Progressive enhancements only: every page works without this file.
// Upload progress: forms with data-upload-progress="#selector" show the upload's progress in
// that <progress> element while htmx sends them (htmx fires htmx:xhr:progress on the form).
document.addEventListener("htmx:xhr:progress", (event) => {
  const form = event.target.closest("[data-upload-progress]");
  if (!form || !event.detail.lengthComputable) return;
  const bar = document.querySelector(form.dataset.uploadProgress);
  if (!bar) return;
  bar.hidden = false;
  bar.value = Math.round((event.detail.loaded / event.detail.total) * 100);
  bar.textContent = `${bar.value} %`;
});

// Writer studio: live preview of the Markdown being edited, the URL following the title until
// the writer sets it, and the progress of draft generation while it runs.
(function () {
  "use strict";
  const tokenField = document.querySelector('input[name="csrf_token"]');

  // Live preview: the server renders the text as its readers will see it (same sanitiser as
  // the help center), a moment after typing stops.
  document.querySelectorAll("textarea[data-preview]").forEach(function (editor) {
    const target = document.getElementById(editor.dataset.preview);
    const title = document.getElementById("title");
    let timer = null;
    let asked = 0;
    async function refresh() {
      const number = ++asked;
      const body = new FormData();
      body.append("csrf_token", tokenField ? tokenField.value : "");
      if (editor.name === "article") {
        body.append("article", editor.value);
      } else {
        body.append("body", editor.value);
        body.append("title", title ? title.value : "");
      }
      try {
        const response = await fetch("/writer/preview", { method: "POST", body: body, credentials: "same-origin" });
        if (!response.ok) throw new Error(String(response.status));
        const html = await response.text();
        if (number === asked) target.innerHTML = html;  // an older answer never replaces a newer one
      } catch (error) {
        if (number === asked) target.setAttribute("data-stale", "true");
      }
    }
    function later() { clearTimeout(timer); timer = setTimeout(refresh, 350); }
    editor.addEventListener("input", later);
    if (title && editor.name !== "article") title.addEventListener("input", later);
  });
  document.querySelectorAll(".no-script-only").forEach(function (button) { button.hidden = true; });

  // The URL follows the title until the writer types one of their own.
  const slug = document.getElementById("slug");
  const shown = document.getElementById("slug-shown");
  if (slug) {
    const title = document.getElementById(slug.dataset.follows || "");
    const slugify = function (text) {
      return text.toLowerCase().normalize("NFKD").replace(/[\u0300-\u036f]/g, "")
        .replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "").slice(0, 60).replace(/-+$/g, "");
    };
    if (title) {
      title.addEventListener("input", function () {
        if (slug.dataset.follows) { slug.value = slugify(title.value); shown.textContent = slug.value; }
      });
    }
    slug.addEventListener("input", function () { delete slug.dataset.follows; shown.textContent = slug.value; });
  }

  // Draft generation: its progress, polled until it ends; then the list is shown again.
  const job = document.getElementById("job");
  if (job) {
    const bar = document.getElementById("job-progress");
    const stage = document.getElementById("job-stage");
    const count = document.getElementById("job-count");
    async function poll() {
      try {
        const response = await fetch(job.dataset.status, { credentials: "same-origin" });
        const status = await response.json();
        if (status.state !== "running") { window.location.reload(); return; }
        bar.value = status.percent;
        bar.textContent = status.percent + "%";
        stage.textContent = status.stage;
        count.textContent = status.done + " of " + status.total;
      } catch (error) { /* the next poll tries again */ }
      setTimeout(poll, 1000);
    }
    setTimeout(poll, 1000);
  }
})();

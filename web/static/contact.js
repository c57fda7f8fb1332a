// Contact form deflection: while the customer types, show the articles that may answer them,
// and remember which were shown so the ticket records them.
(function () {
  "use strict";
  const subject = document.getElementById("subject");
  const description = document.getElementById("description");
  const list = document.getElementById("deflection-list");
  const status = document.getElementById("deflection-status");
  const shown = document.getElementById("shown");
  const token = document.querySelector('input[name="csrf_token"]');
  if (!subject || !description || !list) return;
  let timer = null;
  let latest = 0;

  function remember(slugs) {
    const all = new Set(shown.value ? shown.value.split(",") : []);
    slugs.forEach(function (slug) { all.add(slug); });
    shown.value = Array.from(all).slice(0, 20).join(",");
  }

  function item(result) {
    const li = document.createElement("li");
    const link = document.createElement("a");
    const anchor = result.section.anchor;
    link.href = "/articles/" + encodeURIComponent(result.slug) + "?from=contact" + (anchor ? "#" + anchor : "");
    link.textContent = result.title + (anchor ? " › " + result.section.title : "");
    const snippet = document.createElement("p");
    snippet.className = "snippet";
    snippet.innerHTML = result.snippet;  // escaped by the server, <mark> only
    const form = document.createElement("form");
    form.method = "post";
    form.action = "/contact/solved";
    const csrf = document.createElement("input");
    csrf.type = "hidden"; csrf.name = "csrf_token"; csrf.value = token ? token.value : "";
    const slug = document.createElement("input");
    slug.type = "hidden"; slug.name = "slug"; slug.value = result.slug;
    const button = document.createElement("button");
    button.type = "submit"; button.className = "link-button"; button.textContent = "This solved my problem";
    form.append(csrf, slug, button);
    li.append(link, snippet, form);
    return li;
  }

  async function lookup() {
    const text = (subject.value + " " + description.value.slice(0, 400)).trim();
    if (text.length < 4) return;
    const ticket = ++latest;
    try {
      const response = await fetch("/api/v1/search?log=0&limit=5&q=" + encodeURIComponent(text));
      if (!response.ok || ticket !== latest) return;
      const data = await response.json();
      if (ticket !== latest) return;
      list.replaceChildren.apply(list, data.results.map(item));
      remember(data.results.map(function (r) { return r.slug; }));
      status.textContent = data.results.length ? "" : "No article matches yet: send us the details.";
    } catch (error) {
      status.textContent = "";  // the form still works without suggestions
    }
  }

  [subject, description].forEach(function (field) {
    field.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(lookup, 400);
    });
  });
})();

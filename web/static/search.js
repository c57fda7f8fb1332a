// Search as you type on the home page: debounced calls to the JSON API, keyboard friendly.
(function () {
  "use strict";
  const input = document.getElementById("q");
  const list = document.getElementById("live-results");
  const status = document.getElementById("live-status");
  if (!input || !list) return;
  let timer = null;
  let latest = 0;
  let selected = -1;

  function clear() {
    list.replaceChildren();
    list.hidden = true;
    selected = -1;
  }

  function show(results) {
    list.replaceChildren();
    results.forEach(function (result, position) {
      const item = document.createElement("li");
      const link = document.createElement("a");
      link.href = result.url;
      link.id = "live-result-" + position;
      link.setAttribute("role", "option");
      const title = document.createElement("span");
      title.textContent = result.title + (result.section.anchor ? " › " + result.section.title : "");
      const where = document.createElement("small");
      where.textContent = result.category_name;
      link.append(title, where);
      item.append(link);
      list.append(item);
    });
    list.hidden = results.length === 0;
    status.textContent = results.length ? results.length + " suggestions" : "No matching articles yet";
  }

  async function lookup(query) {
    const ticket = ++latest;
    try {
      const response = await fetch("/api/v1/search?log=0&limit=6&q=" + encodeURIComponent(query));
      if (!response.ok || ticket !== latest) return;
      const data = await response.json();
      if (ticket === latest) show(data.results);
    } catch (error) {
      clear();  // the form still works without suggestions
    }
  }

  input.addEventListener("input", function () {
    clearTimeout(timer);
    const query = input.value.trim();
    if (query.length < 2) { latest++; clear(); return; }
    timer = setTimeout(function () { lookup(query); }, 180);
  });

  input.addEventListener("keydown", function (event) {
    const links = list.querySelectorAll("a");
    if (!links.length) return;
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      selected = (selected + (event.key === "ArrowDown" ? 1 : -1) + links.length) % links.length;
      links.forEach(function (link, i) { link.setAttribute("aria-selected", i === selected ? "true" : "false"); });
      input.setAttribute("aria-activedescendant", links[selected].id);
    } else if (event.key === "Enter" && selected >= 0) {
      event.preventDefault();
      window.location.href = links[selected].href;
    } else if (event.key === "Escape") {
      clear();
    }
  });
})();

// Header search box: titles and section headings that start with what is typed (a datalist,
// so browsers show it accessibly and the form still submits a plain search).
(function () {
  "use strict";
  const input = document.getElementById("header-q");
  const list = document.getElementById("header-suggestions");
  if (!input || !list) return;
  let timer = null;
  let latest = 0;
  input.addEventListener("input", function () {
    clearTimeout(timer);
    const typed = input.value.trim();
    if (typed.length < 2) { list.replaceChildren(); return; }
    timer = setTimeout(async function () {
      const ticket = ++latest;
      try {
        const response = await fetch("/api/v1/autocomplete?limit=8&q=" + encodeURIComponent(typed));
        if (!response.ok || ticket !== latest) return;
        const data = await response.json();
        list.replaceChildren(...data.suggestions.map(function (suggestion) {
          const option = document.createElement("option");
          option.value = suggestion.text;
          option.label = suggestion.kind === "section" ? suggestion.article_title : suggestion.kind === "query" ? "Popular search" : "Article";
          return option;
        }));
      } catch (error) { /* suggestions are a convenience; searching still works */ }
    }, 120);
  });
})();

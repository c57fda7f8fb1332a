// Where a browser ignores <a ping>, report the opened result with a beacon instead.
(function () {
  "use strict";
  if ("ping" in HTMLAnchorElement.prototype || !navigator.sendBeacon) return;
  document.addEventListener("click", function (event) {
    const link = event.target.closest && event.target.closest("a[ping]");
    if (link) navigator.sendBeacon(link.getAttribute("ping"));
  });
})();

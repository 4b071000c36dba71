// A test send's page looks again by itself until every address has its reply: the
// status line and the table are taken from a fresh copy of the page (its own address,
// every data-every seconds). Without JavaScript the page offers a link to look again.
(function () {
  var script = document.currentScript;
  if (!script || !window.fetch || !window.DOMParser) return;
  var every = Number(script.dataset.every) * 1000;
  function look() {
    fetch(window.location.href, { credentials: "same-origin", headers: { Accept: "text/html" } })
      .then(function (response) { return response.text(); })
      .then(function (html) {
        var fresh = new DOMParser().parseFromString(html, "text/html");
        var status = fresh.getElementById("test-status");
        if (!status) return;
        var here = document.getElementById("test-status");
        // Text changed in place, so the live region announces it once.
        here.textContent = status.textContent;
        here.dataset.status = status.dataset.status;
        here.className = status.className; // red once an address was refused
        ["test-results", "test-again"].forEach(function (id) {
          var old = document.getElementById(id), next = fresh.getElementById(id);
          if (old && next) old.replaceWith(next); else if (old) old.remove();
        });
        if (status.dataset.status !== "done") window.setTimeout(look, every);
      })
      .catch(function () { window.setTimeout(look, every); });
  }
  window.setTimeout(look, every);
})();

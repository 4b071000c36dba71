// The alert form's live preview: the server builds the message, the frames show it.
(function () {
  "use strict";
  var form = document.getElementById("alert-form");
  if (!form || !window.fetch || !window.FormData) return;
  var timer = null;
  var latest = 0;

  function show(data) {
    document.querySelectorAll("iframe.preview").forEach(function (frame) {
      frame.srcdoc = data.html;
    });
    document.getElementById("preview-text").textContent = data.text;
    document.getElementById("preview-subject").textContent = data.subject;
    var problem = document.getElementById("preview-problem");
    problem.textContent = data.problem || "";
    problem.hidden = !data.problem;
  }

  function refresh() {
    var mine = ++latest;
    fetch("/desk/alerts/preview", {
      method: "POST",
      body: new FormData(form),
      credentials: "same-origin",
      headers: { Accept: "application/json" },
    })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) { if (data && mine === latest) show(data); })
      .catch(function () { /* the next keystroke tries again */ });
  }

  form.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(refresh, 250);
  });
})();

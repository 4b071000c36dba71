// Live delivery progress on a campaign's page, from its server-sent events
// (the URL is the script tag's data-events).
(function () {
  var script = document.currentScript;
  if (!window.EventSource || !script) return;
  var source = new EventSource(script.dataset.events);
  source.addEventListener("progress", function (event) {
    var d = JSON.parse(event.data);
    ["sent", "sending", "queued", "failed", "expired", "cancelled"].forEach(function (k) {
      document.getElementById(k).textContent = d[k];
    });
    document.getElementById("status").textContent = d.status;
    document.getElementById("rate").textContent = d.rate_per_s;
    document.getElementById("eta").textContent = d.eta_s === null ? "—" : d.eta_s + " s";
    document.getElementById("started").textContent = d.started_at || "—";
    document.getElementById("finished").textContent = d.finished_at || "—";
    showRetry(d.retry);
    showRace(d.race);
    var done = d.total ? (d.sent + d.failed + d.expired + d.cancelled) / d.total : (d.fanout_done ? 1 : 0);
    document.getElementById("bar").style.width = (done * 100).toFixed(1) + "%";
    document.querySelector(".progress").setAttribute("aria-valuenow", Math.round(done * 100));
    // An action whose state has passed (Pause once sent) must not stay on offer.
    document.querySelectorAll("form[data-when]").forEach(function (form) {
      if (form.dataset.when.split(" ").indexOf(d.status) < 0) form.remove();
    });
  });
  source.addEventListener("done", function () { source.close(); });

  // The subject test's race, as campaign.html draws it: figures per subject, then the winner.
  function showRace(race) {
    var state = document.getElementById("race-state");
    if (!race || !state) return;
    if (race.decided) state.textContent = race.decided;
    else if (race.ends_at) state.textContent = "Ends at " + race.ends_at +
      (race.left_s === null ? "" : " (in " + race.left_s + " s)") +
      ": then the subject with the most unique clickers goes to the readers held for it.";
    race.standings.forEach(function (s, i) {
      var row = document.getElementById("race-" + i);
      if (!row) return;
      row.querySelector(".race-sent").textContent = s.sent.toLocaleString("en");
      row.querySelector(".race-clickers").textContent = s.clickers.toLocaleString("en");
      row.querySelector(".race-rate").textContent = s.rate;
      if (race.winner === i && !row.classList.contains("winner")) {
        row.classList.add("winner");
        var mark = document.createElement("strong");
        mark.textContent = "(winner)";
        row.querySelector("th").append(" ", mark);
      }
    });
    var end = document.getElementById("end-race");
    if (end && race.winner !== null) end.remove();
  }

  // Said as the server says it (campaign.html): how many wait, when, and the relay's reply.
  function showRetry(r) {
    var line = document.getElementById("retry");
    if (!line) return;
    line.hidden = !r;
    if (!r) { line.textContent = ""; return; }
    line.textContent = r.waiting + (r.waiting === 1 ? " message waits" : " messages wait") +
      " to be tried again: next try at " + r.next_at + " (in " + r.in_s + " s).";
    if (r.reply) {
      var code = document.createElement("code");
      code.textContent = r.reply;
      line.append(" The relay said: ", code);
    }
  }
})();

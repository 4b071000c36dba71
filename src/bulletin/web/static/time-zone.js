// The reader's time zone, so the Morning Briefing arrives at 06:00 where they are.
try {
  document.getElementById("time_zone").value = Intl.DateTimeFormat().resolvedOptions().timeZone || "";
} catch (e) {}

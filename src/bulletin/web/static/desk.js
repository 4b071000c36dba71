// The desk's two small helps, both optional: without this script every link is still
// on the page and every shortcut has a visible button.
(function () {
  // Keyboard shortcuts: a link with data-shortcut="n" opens when N is pressed anywhere
  // but in a form field (so typing an "n" in a headline never leaves the page).
  document.addEventListener("keydown", function (event) {
    if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey) return;
    var target = event.target;
    if (target.closest && target.closest("input, textarea, select, [contenteditable]")) return;
    var key = event.key.toLowerCase();
    var link = document.querySelector('a[data-shortcut="' + key + '"]');
    if (!link || key.length !== 1) return;
    event.preventDefault();
    link.click();
  });

  // On phone widths the desk's menu folds behind one button.
  var header = document.querySelector(".masthead");
  var nav = header && header.querySelector("nav#desk-nav");
  if (!nav) return;
  var button = document.createElement("button");
  button.type = "button";
  button.className = "menu-toggle";
  button.textContent = "Menu";
  button.setAttribute("aria-controls", "desk-nav");
  button.setAttribute("aria-expanded", "false");
  header.insertBefore(button, nav);
  header.classList.add("menu-ready");
  function show(open) {
    button.setAttribute("aria-expanded", open ? "true" : "false");
    nav.classList.toggle("open", open);
  }
  button.addEventListener("click", function () {
    show(button.getAttribute("aria-expanded") !== "true");
  });
  nav.addEventListener("keydown", function (event) {
    if (event.key === "Escape") { show(false); button.focus(); }
  });
})();

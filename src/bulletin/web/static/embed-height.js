// Tell the article page how tall the embedded form is, so its iframe fits without a
// scroll bar. Only a number is sent; any page may read it.
(function () {
  function report() {
    if (window.parent !== window) {
      window.parent.postMessage({ bulletinHeight: document.documentElement.scrollHeight }, "*");
    }
  }
  window.addEventListener("load", report);
  window.addEventListener("resize", report);
})();

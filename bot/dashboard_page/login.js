// The one-time token travels in the URL fragment (never sent to a server or logged); posting it opens the
// session. Without the fragment the form stays for the person to see.
"use strict";
(function () {
  var params = new URLSearchParams(window.location.hash.slice(1));
  var token = params.get("t");
  if (!token) return;
  history.replaceState(null, "", window.location.pathname);
  document.getElementById("token").value = token;
  document.getElementById("masuk").submit();
})();

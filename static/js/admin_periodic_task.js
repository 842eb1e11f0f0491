// Admin, periodic task form: show the chosen crontab in words under the field (django-celery-beat's
// own behaviour, moved out of its inline script so the Content Security Policy allows it).
(function () {
  "use strict";
  var $ = window.django && window.django.jQuery;
  var source = document.getElementById("readable-crontabs");
  if (!$ || !source) { return; }
  var readable = JSON.parse(source.textContent);
  var help = document.querySelector(".field-crontab .help");
  var original = help ? help.innerHTML : "";
  $(".field-crontab_translation").hide();
  $(".field-crontab").change(function () {
    if (!help) { return; }
    help.innerHTML = original;
    help.appendChild(document.createElement("br"));
    help.appendChild(document.createTextNode("Translation: " + readable[$("#id_crontab").val()]));
  });
})();

document.querySelectorAll('input[data-filter]').forEach(function (box) {
  box.addEventListener('change', function () {
    var sev = box.getAttribute('data-filter');
    document.querySelectorAll('section[data-severity="' + sev + '"]').forEach(function (s) {
      s.hidden = !box.checked;
    });
  });
});

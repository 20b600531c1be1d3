// Gonghui's own script: no inline script anywhere (the Content-Security-Policy forbids it).
(function () {
  "use strict";

  // Selects marked data-autosubmit submit their form when changed (unit switcher, filters).
  document.addEventListener("change", function (event) {
    var form = event.target.closest("form[data-autosubmit]");
    if (form) { form.requestSubmit ? form.requestSubmit() : form.submit(); }
  });

  // Charts: <div data-chart="bar|line|pie" data-source="json-script-id"> rendered with ECharts.
  function renderCharts(root) {
    if (typeof window.echarts === "undefined") { return; }
    root.querySelectorAll("[data-chart]").forEach(function (el) {
      if (el.dataset.rendered) { return; }
      var source = document.getElementById(el.dataset.source);
      if (!source) { return; }
      var data = JSON.parse(source.textContent);
      var chart = window.echarts.init(el, null, { renderer: "canvas" });
      var option;
      if (el.dataset.chart === "pie") {
        option = {
          tooltip: { trigger: "item", renderMode: "richText" },
          legend: { bottom: 0, type: "scroll" },
          series: [{ type: "pie", radius: ["35%", "65%"], data: data, label: { show: el.clientWidth > 480, formatter: "{b}: {c}" } }]
        };
      } else {
        option = {
          tooltip: { trigger: "axis", renderMode: "richText" },
          grid: { left: 40, right: 10, top: 20, bottom: 40, containLabel: true },
          xAxis: { type: "category", data: data.labels, axisLabel: { interval: el.dataset.chart === "line" ? "auto" : 0 } },
          yAxis: { type: "value", minInterval: 1 },
          series: [el.dataset.chart === "line"
            ? { type: "line", data: data.values, itemStyle: { color: "#b71c1c" }, smooth: false, showSymbol: data.values.length <= 31 }
            : { type: "bar", data: data.values, itemStyle: { color: "#b71c1c" }, label: { show: true, position: "top" } }]
        };
      }
      option.animation = false;  // cheaper on low-end phones, and screenshots show the final chart
      chart.setOption(option);
      el.dataset.rendered = "1";
      window.addEventListener("resize", function () { chart.resize(); });
    });
  }

  // SMS code button: sends the phone number, then counts down before it can resend.
  function wireSmsButton(root) {
    root.querySelectorAll("[data-sms-send]").forEach(function (button) {
      if (button.dataset.wired) { return; }
      button.dataset.wired = "1";
      button.addEventListener("htmx:afterRequest", function (event) {
        if (!event.detail.successful) { return; }
        var seconds = parseInt(button.dataset.wait || "60", 10);
        var label = button.textContent;
        button.disabled = true;
        var timer = window.setInterval(function () {
          seconds -= 1;
          button.textContent = label + " (" + seconds + ")";
          if (seconds <= 0) { window.clearInterval(timer); button.disabled = false; button.textContent = label; }
        }, 1000);
      });
    });
  }

  function init(root) { renderCharts(root); wireSmsButton(root); }
  document.addEventListener("DOMContentLoaded", function () { init(document); });
  document.addEventListener("htmx:afterSettle", function (event) { init(event.target); });
})();

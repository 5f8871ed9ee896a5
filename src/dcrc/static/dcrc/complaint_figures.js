// Charts of the complaint figures page (ECharts); the figures come from the json_script
// "figures-charts".
(function () {
  const source = document.getElementById("figures-charts");
  if (!source || !window.echarts) return;
  const data = JSON.parse(source.textContent);
  const charts = [];
  const blue = "#206bc4";
  const severityColours = { low: "#74b816", medium: "#4299e1", high: "#f76707", critical: "#d63939" };
  const palette = ["#206bc4", "#4299e1", "#2fb344", "#f59f00", "#ae3ec9", "#17a2b8", "#d63939", "#868e96"];

  function chart(id, option) {
    const element = document.getElementById(id);
    if (!element) return;
    const instance = echarts.init(element);
    instance.setOption(option);
    charts.push(instance);
  }

  function bars(id, rows, colour) {
    const sorted = rows.slice().sort((a, b) => b.value - a.value);
    chart(id, {
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
      grid: { left: 8, right: 32, top: 8, bottom: 8, containLabel: true },
      xAxis: { type: "value", minInterval: 1 },
      yAxis: {
        type: "category", inverse: true, data: sorted.map((r) => r.name),
        axisLabel: { width: 110, overflow: "truncate", fontSize: 12 },
      },
      series: [{
        type: "bar", data: sorted.map((r) => r.value), barMaxWidth: 18,
        itemStyle: { color: colour, borderRadius: [0, 3, 3, 0] },
        label: { show: true, position: "right", fontSize: 11 },
      }],
    });
  }

  function pie(id, rows, colours) {
    chart(id, {
      tooltip: { trigger: "item", formatter: "{b}: {c} ({d}%)" },
      legend: { bottom: 0, itemWidth: 10, itemHeight: 10, textStyle: { fontSize: 11 } },
      series: [{
        type: "pie", radius: ["38%", "66%"], center: ["50%", "42%"],
        minShowLabelAngle: 12, labelLine: { show: false },
        label: { position: "inside", formatter: "{d}%", color: "#fff", fontSize: 11 },
        data: rows.filter((r) => r.value).map((r, i) => ({
          name: r.name, value: r.value,
          itemStyle: { color: (colours && colours[r.code]) || palette[i % palette.length] },
        })),
      }],
    });
  }

  const b = data.breakdowns;
  bars("chart-category", b.category, blue);
  pie("chart-severity", b.severity, severityColours);
  pie("chart-channel", b.channel);
  bars("chart-department", b.department, "#4299e1");
  bars("chart-flag", b.flag.filter((r) => r.value), "#d63939");

  const labels = data.labels;
  chart("chart-dealers", {
    tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
    legend: { top: 0 },
    grid: { left: 8, right: 8, top: 32, bottom: 8, containLabel: true },
    xAxis: { type: "category", data: data.dealers.map((d) => d.name) },
    yAxis: { type: "value", minInterval: 1 },
    series: [
      { name: labels.total, type: "bar", barMaxWidth: 36, data: data.dealers.map((d) => d.total), itemStyle: { color: blue } },
      { name: labels.important, type: "bar", barMaxWidth: 36, data: data.dealers.map((d) => d.important), itemStyle: { color: "#d63939" } },
      { name: labels.overdue, type: "bar", barMaxWidth: 36, data: data.dealers.map((d) => d.overdue), itemStyle: { color: "#f59f00" } },
    ],
  });
  window.addEventListener("resize", () => charts.forEach((c) => c.resize()));
})();

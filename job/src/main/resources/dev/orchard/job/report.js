/* Renders report.html from the run's report.json (embedded above). Every text goes through textContent. */
(function () {
  'use strict';
  var R = JSON.parse(document.getElementById('report-data').textContent);
  var charts = 0;
  var PALETTE = ['#1b9e77', '#d95f02', '#7570b3', '#e7298a', '#66a61e', '#e6ab02', '#a6761d', '#666666',
    '#1f78b4', '#b2df8a', '#fb9a99', '#cab2d6', '#ff7f00', '#6a3d9a', '#b15928', '#8dd3c7'];
  Chart.defaults.animation = false;
  Chart.defaults.maintainAspectRatio = false;
  Chart.defaults.font.size = 11;

  function el(tag, text, cls) {
    var e = document.createElement(tag);
    if (text !== undefined && text !== null) { e.textContent = String(text); }
    if (cls) { e.className = cls; }
    return e;
  }
  function byId(id) { return document.getElementById(id); }
  function fmt(v, digits) {
    if (typeof v !== 'number') { return v === null || v === undefined ? '—' : String(v); }
    return v.toLocaleString('en-US', { maximumFractionDigits: digits === undefined ? 2 : digits });
  }
  function pct(v) { return typeof v === 'number' ? (100 * v).toFixed(1) + ' %' : '—'; }
  function tile(parent, value, key) {
    var t = el('div', null, 'tile');
    t.appendChild(el('div', value, 'v'));
    t.appendChild(el('div', key, 'k'));
    byId(parent).appendChild(t);
  }
  function table(parent, header, rows, numeric) {
    var t = el('table'), tr = el('tr');
    header.forEach(function (h) { tr.appendChild(el('th', h)); });
    t.appendChild(tr);
    rows.forEach(function (row) {
      var r = el('tr');
      row.forEach(function (c, i) { r.appendChild(el('td', c, numeric && numeric[i] ? 'n' : null)); });
      t.appendChild(r);
    });
    byId(parent).appendChild(t);
  }
  function chart(id, config) {
    new Chart(byId(id), config);
    charts++;
  }
  function title(text) { return { display: true, text: text }; }

  byId('subtitle').textContent = 'orchard ' + R.orchardVersion + ' · ' + R.command +
    (R.configuration && R.configuration.input ? ' · ' + R.configuration.input : '');

  var c = R.counts || {};
  tile('counts', fmt(c.listed, 0), 'images listed');
  tile('counts', fmt(c.featurized, 0), 'featurized');
  tile('counts', fmt(c.failed, 0), 'failed');
  if (R.classes !== undefined) { tile('counts', fmt(R.classes, 0), 'classes'); }
  if (R.inferences !== undefined) { tile('counts', fmt(R.inferences, 0), 'CNN inferences'); }
  if (R.ignoredObjects !== undefined) { tile('counts', fmt(R.ignoredObjects, 0), 'other objects ignored'); }

  var t = R.throughput;
  if (t) {
    tile('throughput', fmt(t.imagesPerSecond, 1), 'images / s (featurize)');
    tile('throughput', fmt(t.imagesPerVcpuHour, 0), 'images per vCPU-hour');
    tile('throughput', fmt(t.vcpus, 0), 'vCPUs');
  }
  var timings = R.timingsSeconds || {};
  if (timings.total !== undefined) { tile('throughput', fmt(timings.total, 1) + ' s', 'total of the stages'); }
  var stages = Object.keys(timings).filter(function (k) { return k !== 'total'; });
  chart('chart-timings', {
    type: 'bar',
    data: { labels: stages, datasets: [{ label: 'seconds', data: stages.map(function (k) { return timings[k]; }),
      backgroundColor: '#14532d' }] },
    options: { indexAxis: 'y', plugins: { legend: { display: false }, title: title('Wall time per stage (s)') } }
  });
  var perClass = R.imagesPerClass || {};
  var classNames = Object.keys(perClass);
  chart('chart-classes', {
    type: 'bar',
    data: { labels: classNames, datasets: [{ label: 'images', data: classNames.map(function (k) { return perClass[k]; }),
      backgroundColor: '#1b9e77' }] },
    options: { plugins: { legend: { display: false }, title: title('Images per class (featurized)') } }
  });

  var pca = R.pca;
  if (pca) {
    tile('pca-tiles', fmt(pca.inputDimension, 0), 'feature dimension');
    tile('pca-tiles', fmt(pca.k, 0), 'components kept (k)');
    var cumK = pca.cumulativeExplainedVariance ? pca.cumulativeExplainedVariance[pca.k - 1] : null;
    tile('pca-tiles', pct(cumK), 'variance kept');
    var sp = pca.spectrum || { explainedVarianceRatio: pca.explainedVarianceRatio,
      cumulativeExplainedVariance: pca.cumulativeExplainedVariance };
    // Show the kept components and the tail up to 99 % of the variance (at least 20), not a long flat tail.
    var shown = sp.cumulativeExplainedVariance.findIndex(function (v) { return v >= 0.99; }) + 1;
    shown = Math.min(sp.explainedVarianceRatio.length, Math.max(shown, pca.k + 5, 20));
    sp = { explainedVarianceRatio: sp.explainedVarianceRatio.slice(0, shown),
      cumulativeExplainedVariance: sp.cumulativeExplainedVariance.slice(0, shown) };
    var comps = sp.explainedVarianceRatio.map(function (_, i) { return i + 1; });
    chart('chart-variance', {
      data: {
        labels: comps,
        datasets: [
          { type: 'bar', label: 'explained variance ratio', data: sp.explainedVarianceRatio,
            backgroundColor: comps.map(function (i) { return i <= pca.k ? '#14532d' : '#a7c4b5'; }), yAxisID: 'y' },
          { type: 'line', label: 'cumulative', data: sp.cumulativeExplainedVariance, borderColor: '#d95f02',
            pointRadius: 0, yAxisID: 'y' },
          { type: 'line', label: 'chosen k = ' + pca.k + ' (' + pct(cumK) + ')',
            data: comps.map(function (i) { return i === pca.k ? cumK : null; }), borderColor: '#b91c1c',
            backgroundColor: '#b91c1c', pointRadius: 7, pointStyle: 'triangle', showLine: false, yAxisID: 'y' }
        ]
      },
      options: { plugins: { title: title('Explained variance per component and cumulative (dark bars: kept)') },
        scales: { y: { min: 0, max: 1 }, x: { title: { display: true, text: 'component' } } } }
    });
  } else {
    byId('pca-section').appendChild(el('p', 'No PCA in this run.', 'note'));
  }
  var sc = R.pcaScatter;
  if (sc && sc.points.length) {
    var sets = sc.labels.map(function (name, i) {
      return { label: name, data: [], backgroundColor: PALETTE[i % PALETTE.length], pointRadius: 2.5 };
    });
    sc.points.forEach(function (p) { sets[p[2]].data.push({ x: p[0], y: p[1] }); });
    chart('chart-scatter', {
      type: 'scatter',
      data: { datasets: sets.filter(function (s) { return s.data.length; }) },
      options: { plugins: { title: title('PC1 × PC2, coloured by class'), legend: { labels: { boxWidth: 8 } } },
        scales: { x: { title: { display: true, text: 'PC1' } }, y: { title: { display: true, text: 'PC2' } } } }
    });
    byId('scatter-note').textContent = fmt(sc.sampled, 0) + ' of ' + fmt(sc.total, 0) + ' projected images shown.';
  }

  var probe = R.probe;
  if (probe && Object.keys(probe).length) {
    var names = Object.keys(probe);
    chart('chart-probe', {
      type: 'bar',
      data: { labels: names.map(function (n) { return n + ' (d = ' + probe[n].dimension + ')'; }),
        datasets: [
          { label: 'held-out accuracy', data: names.map(function (n) { return probe[n].accuracy; }), backgroundColor: '#14532d' },
          { label: 'train accuracy', data: names.map(function (n) { return probe[n].trainAccuracy; }), backgroundColor: '#a7c4b5' },
          { label: 'chance (largest class)', data: names.map(function (n) { return probe[n].chance; }), backgroundColor: '#d1d5db' }
        ] },
      options: { plugins: { title: title('Linear probe accuracy') }, scales: { y: { min: 0, max: 1 } } }
    });
    var first = probe[names[0]];
    var rows = first.perClass.map(function (row, i) {
      var r = [row.label, fmt(row.support, 0)];
      names.forEach(function (n) {
        var pc = probe[n].perClass[i] || {};
        r.push(pct(pc.recall));
        r.push(pc.mostConfusedWith ? pc.mostConfusedWith + ' (' + pc.mostConfusedCount + ')' : '—');
      });
      return r;
    });
    var header = ['class', 'held out'];
    names.forEach(function (n) { header.push(n + ' recall'); header.push(n + ': most confused with'); });
    table('probe-table', header, rows, [false, true, true, false, true, false]);
    byId('probe-table').appendChild(el('p', names.map(function (n) {
      var p = probe[n];
      return n + ': ' + pct(p.accuracy) + ' on ' + p.test + ' held out, trained on ' + p.train + ', ' +
        p.iterations + ' L-BFGS iterations, ' + fmt(p.seconds, 1) + ' s';
    }).join(' · '), 'note'));
  } else {
    byId('probe-section').appendChild(el('p', 'The probe did not run (--no-probe, or too few images).', 'note'));
  }

  var f = R.failures;
  if (f && f.byReason && Object.keys(f.byReason).length) {
    var reasons = Object.keys(f.byReason);
    chart('chart-failures', {
      type: 'bar',
      data: { labels: reasons, datasets: [{ label: 'images', data: reasons.map(function (k) { return f.byReason[k]; }),
        backgroundColor: '#b91c1c' }] },
      options: { indexAxis: 'y', plugins: { legend: { display: false }, title: title('Failures by reason') } }
    });
    table('failure-examples', ['image', 'reason'], (f.examples || []).map(function (e) { return [e.imageId, e.reason]; }));
  } else {
    byId('failures-section').appendChild(el('p', 'No image failed.', 'note'));
    byId('chart-failures').parentNode.style.display = 'none';
  }

  var prec = R.precision || { mode: 'fp32' };
  tile('precision-tiles', prec.mode, 'TensorFlow session precision');
  if (prec.mode !== 'fp32') {
    tile('precision-tiles', prec.cpuBf16 === true ? 'yes' : prec.cpuBf16 === false ? 'no' : 'unknown',
      'CPU bf16 (AVX512-BF16 / AMX)');
    if (prec.sessions) { tile('precision-tiles', prec.sessions, 'what the executors\' sessions ran'); }
    var fid = prec.fidelity;
    if (fid) {
      tile('precision-tiles', fmt(fid.cosineMin, 6), 'min cosine to fp32');
      tile('precision-tiles', fmt(fid.cosineMean, 6), 'mean cosine to fp32');
      tile('precision-tiles', fmt(fid.images, 0), 'images compared');
    }
    byId('precision-note').textContent = (prec.note ? prec.note + '. ' : '') + (fid
      ? 'Fidelity: the features of the first ' + fid.images + ' featurized images (by image id) compared with ' +
        fid.reference + ' features of the same images recomputed on the driver (not counted as CNN inferences); ' +
        'cosine 1 means the same direction.'
      : 'No featurized image to measure fidelity on.');
  } else {
    byId('precision-note').textContent = 'fp32 throughout (--precision bf16 to use bfloat16 where the CPU has it).';
  }

  var cost = R.cost;
  if (cost && cost.scales) {
    tile('cost-tiles', fmt(cost.costPerMillionImages) + ' ' + cost.currency, 'per million images');
    tile('cost-tiles', cost.instances + ' × ' + cost.instanceType, cost.executors + ' executors × ' +
      cost.coresPerExecutor + ' cores (' + cost.clusterVcpus + ' vCPUs) + 1 primary');
    tile('cost-tiles', fmt(cost.billedPerInstanceHour) + ' ' + cost.currency + '/h', 'per instance: ' +
      cost.market + (cost.emrFeePerInstanceHour > 0 ? ' + EMR fee ' + fmt(cost.emrFeePerInstanceHour) : ''));
    table('cost-table', ['images', 'hours (listing included)', 'of which listing', 'cost (' + cost.currency + ')'],
      cost.scales.map(function (s) { return [fmt(s.images, 0), fmt(s.hours), fmt(s.listingHours), fmt(s.cost)]; }),
      [true, true, true, true]);
    byId('cost-note').textContent = 'From this run: ' + fmt(cost.vcpuSecondsPerImage, 4) +
      ' vCPU-seconds per image on ' + cost.measuredVcpus + ' vCPUs, listing ' +
      fmt(1000 * cost.listingSecondsPerImage, 3) + ' ms per image on the driver; linear scaling assumed. Inputs: ' +
      Object.keys(cost.inputs || {}).map(function (k) { return k + ' ' + cost.inputs[k]; }).join('; ') + '.';
  } else {
    byId('cost-section').appendChild(el('p', 'No estimate for this command.', 'note'));
  }

  var cfg = R.configuration || {};
  table('configuration', ['setting', 'value'], Object.keys(cfg).map(function (k) {
    return [k, typeof cfg[k] === 'object' && cfg[k] !== null ? JSON.stringify(cfg[k]) : cfg[k]];
  }));
  if (R.modelSpec) {
    var m = R.modelSpec;
    byId('configuration').appendChild(el('p', 'Model: ' + JSON.stringify(m), 'note'));
  }
  if (R.eventLog) {
    var p = byId('event-log');
    p.appendChild(document.createTextNode('Spark event log (replay with the Spark History Server): '));
    var a = el('a', R.eventLog);
    a.href = R.eventLog;
    p.appendChild(a);
  }

  var status = byId('render-status');
  status.dataset.charts = String(charts);
  status.dataset.errors = String(window.orchardErrors.length);
  status.dataset.done = 'true';
})();

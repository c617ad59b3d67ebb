/* geoplan map runtime: layers, popups, legend, search, coordinates, fullscreen.
 * Part of geoplan (MIT). Needs only Leaflet; makes no network request.
 * Every string that comes from data goes through GP.esc before it reaches HTML,
 * or is set with textContent.
 */
(function () {
  'use strict';

  var GP = (window.GP = {
    map: null,
    lang: 'vi',
    locale: 'vi-VN',
    t: {},
    layers: {},
    index: [],
    indexKeys: {},
    // shared by every popup: GP.finish moves it under the top-left controls, so a popup opened
    // near the top pans clear of the title, the search box and the zoom buttons
    panTopLeft: null,
    panBottomRight: null,
    ready: false
  });

  var ESC = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

  /** Escape any value for use inside HTML text or a quoted attribute. */
  GP.esc = function (value) {
    if (value === null || value === undefined) { return ''; }
    return String(value).replace(/[&<>"']/g, function (c) { return ESC[c]; });
  };

  /** Fold a name for searching: lower case, no accents, đ -> d, and no spaces, apostrophes,
   * hyphens or other punctuation ("Ia H'Drai", "ia hdrai" and "IA H-DRAI" fold alike). */
  GP.fold = function (value) {
    return String(value || '')
      .normalize('NFD')
      .replace(/\p{Diacritic}/gu, '')
      .replace(/[đĐ]/g, 'd')
      .toLowerCase()
      .replace(/[^\p{L}\p{N}]+/gu, '');
  };

  function isNum(x) { return typeof x === 'number' && isFinite(x); }

  /** Format a number with the map's locale (1.234,5 in Vietnamese). */
  GP.num = function (x, digits) {
    if (!isNum(x)) { return '–'; }
    var d = digits || 0;
    return new Intl.NumberFormat(GP.locale, { minimumFractionDigits: d, maximumFractionDigits: d }).format(x);
  };

  GP.fmt = function (x, kind) {
    switch (kind) {
      case 'int': return GP.num(x, 0);
      case 'dec1': return GP.num(x, 1);
      case 'dec2': return GP.num(x, 2);
      case 'dec3': return GP.num(x, 3);
      case 'pct': return isNum(x) ? GP.num(100 * x, 1) + ' %' : '–';
      case 'prob': return isNum(x) ? GP.num(100 * x, 0) + ' %' : '–';
      case 'm': return isNum(x) ? (x >= 1000 ? GP.num(x / 1000, 1) + ' km' : GP.num(x, 0) + ' m') : '–';
      case 'min': return isNum(x) ? GP.num(x, 0) + ' ' + GP.t.minutes : '–';
      case 'bool': return x === true || x === 1 ? GP.t.yes : (x === false || x === 0 ? GP.t.no : '–');
      default: return (x === null || x === undefined || x === '') ? '–' : GP.esc(x);
    }
  };

  /** Called once, right after the map is created. */
  GP.init = function (map, cfg) {
    GP.map = map;
    GP.lang = cfg.lang;
    GP.locale = cfg.lang === 'vi' ? 'vi-VN' : 'en-GB';
    GP.t = cfg.strings;
    GP.panTopLeft = L.point(20, 100);
    GP.panBottomRight = L.point(20, 20);
    window.geoplanMap = map;
    map.createPane('gpHillshade').style.zIndex = 250;
    map.createPane('gpBase').style.zIndex = 270;
    map.createPane('gpRaster').style.zIndex = 300;
    // polygons draw in Leaflet's overlay pane (400, one canvas); the plan's receiving sites,
    // lines and points each in a pane above it, as SVG whose empty area lets clicks through to the polygons: points stay
    // on top and clickable whatever layers are switched on, in whatever order
    GP.renderers = {};
    [['gpSites', 420], ['gpLines', 440], ['gpPoints', 450]].forEach(function (pz) {
      var pane = map.createPane(pz[0]);
      pane.style.zIndex = pz[1];
      pane.classList.add('gp-pass');
      GP.renderers[pz[0]] = L.svg({ pane: pz[0], padding: 0.3 });
    });
    var labels = map.createPane('gpLabels');
    labels.style.zIndex = 460;
    labels.style.pointerEvents = 'none';
    map.attributionControl.setPrefix(false);
    map.on('overlayadd overlayremove', function () { GP.updateLegend(); });
  };

  // ---------------------------------------------------------------- popups

  /** Black or white text, whichever reads better on a #rrggbb background. */
  function textOn(hex) {
    var m = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(hex || '');
    if (!m) { return '#fff'; }
    var y = 0.299 * parseInt(m[1], 16) + 0.587 * parseInt(m[2], 16) + 0.114 * parseInt(m[3], 16);
    return y > 150 ? '#222' : '#fff';
  }

  function bars(values, labels, colors) {
    var html = '<div class="gp-bars">';
    for (var i = 0; i < labels.length; i++) {
      var v = values[i];
      if (!isNum(v)) { continue; }
      var w = Math.max(0, Math.min(100, 100 * v));
      html += '<div class="gp-bar-row"><span class="gp-bar-label">' + GP.esc(labels[i]) +
        '</span><span class="gp-bar-track"><span class="gp-bar" style="width:' + w.toFixed(1) +
        '%;background:' + GP.esc(colors[i % colors.length]) + '"></span></span><span class="gp-bar-val">' +
        GP.num(100 * v, 0) + ' %</span></div>';
    }
    return html + '</div>';
  }

  /** Build popup HTML for a feature from the layer's popup spec. */
  GP.popupHtml = function (p, spec) {
    var html = '<div class="gp-popup">';
    if (spec.title) { html += '<div class="gp-pop-title">' + GP.esc(p[spec.title]) + '</div>'; }
    if (spec.subtitle) {
      var parts = spec.subtitle.map(function (k) { return p[k]; }).filter(function (v) { return v; });
      if (parts.length) { html += '<div class="gp-pop-sub">' + parts.map(GP.esc).join(' · ') + '</div>'; }
    }
    if (spec.badge && p[spec.badge.key] !== undefined) {
      var b = spec.badge.items[String(p[spec.badge.key])];
      if (b) {
        html += '<div class="gp-badge" style="background:' + GP.esc(b[0]) + ';color:' + textOn(b[0]) + '">' +
          GP.esc(b[1]) + '</div>';
      }
    }
    if (spec.rows && spec.rows.length) {
      html += '<table class="gp-pop-table">';
      spec.rows.forEach(function (r) {
        var v = p[r[1]];
        if (r[3] && (v === null || v === undefined || v === '')) { return; }
        var txt = r[2] === 'range'
          ? (isNum(v && v[0]) ? GP.num(v[0], 0) + '–' + GP.num(v[1], 0) : '–')
          : GP.fmt(v, r[2]);
        html += '<tr><th>' + GP.esc(r[0]) + '</th><td>' + txt + '</td></tr>';
      });
      html += '</table>';
    }
    if (spec.levels && Array.isArray(p[spec.levels.key])) {
      html += '<div class="gp-pop-h">' + GP.esc(spec.levels.title) + '</div><table class="gp-pop-levels"><tr>';
      spec.levels.labels.forEach(function (l, i) {
        html += '<th style="border-bottom:3px solid ' + GP.esc(spec.levels.colors[i]) + '">' + GP.esc(l) + '</th>';
      });
      html += '</tr><tr>';
      p[spec.levels.key].forEach(function (v) { html += '<td>' + GP.num(v, 0) + '</td>'; });
      html += '</tr></table>';
    }
    if (spec.bars && Array.isArray(p[spec.bars.key]) && p[spec.bars.key].some(isNum)) {
      html += '<div class="gp-pop-h">' + GP.esc(spec.bars.title) + '</div>' +
        bars(p[spec.bars.key], spec.bars.labels, spec.bars.colors);
    }
    if (spec.list && Array.isArray(p[spec.list.key]) && p[spec.list.key].length) {
      html += '<div class="gp-pop-h">' + GP.esc(spec.list.title) + '</div><ul class="gp-pop-list">';
      p[spec.list.key].forEach(function (v) { html += '<li>' + GP.esc(v) + '</li>'; });
      html += '</ul>';
    }
    if (spec.text && p[spec.text.key]) {
      html += '<div class="gp-pop-h">' + GP.esc(spec.text.title) + '</div><div class="gp-pop-reason">' +
        GP.esc(p[spec.text.key]) + '</div>';
    }
    return html + '</div>';
  };

  // ---------------------------------------------------------------- layers

  function styleFor(p, st) {
    var key = st.by ? String(p[st.by]) : null;
    var fill = (key !== null && st.colors && st.colors[key]) || st.fill || st.color || '#3388ff';
    return {
      color: st.stroke || (st.type === 'line' ? fill : '#333333'),
      weight: st.weight === undefined ? 1 : st.weight,
      opacity: st.opacity === undefined ? 1 : st.opacity,
      fillColor: fill,
      fillOpacity: st.fillOpacity === undefined ? 0.6 : st.fillOpacity,
      fill: st.type !== 'line' && st.noFill !== true,
      dashArray: st.dash || null,
      interactive: st.interactive !== false
    };
  }

  /** Radius in pixels of a point sized by ``value`` (households): the one formula, used by the
   * markers and by the legend's size key. */
  GP.radius = function (value, st) {
    if (!st.radiusBy || !isNum(value)) { return st.radius || 5; }
    return Math.max(st.rmin || 3, Math.min(st.rmax || 10, (st.rscale || 0.5) * Math.sqrt(value)));
  };

  /** Decode a polyline string (latitude first, 10^-precision steps) to GeoJSON [lon, lat]. */
  GP.decodePolyline = function (str, precision) {
    var factor = Math.pow(10, precision), out = [], i = 0, lat = 0, lon = 0;
    function next() {
      var result = 0, shift = 0, b;
      do {
        b = str.charCodeAt(i++) - 63;
        result += (b & 0x1f) * Math.pow(2, shift);
        shift += 5;
      } while (b >= 0x20);
      return result % 2 ? -(result + 1) / 2 : result / 2;
    }
    while (i < str.length) {
      lat += next();
      lon += next();
      out.push([lon / factor, lat / factor]);
    }
    return out;
  };

  /** Replace the polyline-encoded rings of a collection (``enc``) by GeoJSON coordinates. */
  function decodeCollection(data) {
    if (!data.enc) { return data; }
    data.features.forEach(function (f) {
      var g = f.geometry;
      if (!g || !g.enc) { return; }
      var line = function (s) { return GP.decodePolyline(s, data.enc); };
      var rings = function (r) { return r.map(line); };
      g.coordinates = g.type === 'MultiPolygon' ? g.enc.map(rings)
        : g.type === 'LineString' ? line(g.enc)
          : g.type === 'MultiLineString' ? rings(g.enc) : rings(g.enc);
      delete g.enc;
    });
    delete data.enc;
    return data;
  }

  /** A GeoJSON layer styled, labelled and indexed for search from its spec. */
  GP.dataLayer = function (id, data, spec) {
    var st = spec.style || {};
    data = decodeCollection(data);
    var pane = spec.pane || (st.type === 'point' ? 'gpPoints' : st.type === 'line' ? 'gpLines' : 'overlayPane');
    var renderer = GP.renderers[pane];
    var layer = L.geoJSON(data, {
      pane: pane,
      interactive: st.interactive !== false,
      style: function (f) {
        var s = styleFor(f.properties, st);
        if (renderer) { s.renderer = renderer; }
        return s;
      },
      pointToLayer: function (f, latlng) {
        var s = styleFor(f.properties, st);
        s.radius = GP.radius(f.properties[st.radiusBy], st);
        s.color = st.stroke || '#222222';
        s.weight = st.weight === undefined ? 0.8 : st.weight;
        s.fillOpacity = st.fillOpacity === undefined ? 0.9 : st.fillOpacity;
        s.fill = st.noFill !== true;
        s.pane = pane;
        if (renderer) { s.renderer = renderer; }
        if (st.className) { s.className = st.className; }
        return L.circleMarker(latlng, s);
      },
      onEachFeature: function (f, lyr) {
        var p = f.properties;
        if (spec.popup) {
          lyr.bindPopup(function () { return GP.popupHtml(p, spec.popup); }, {
            maxWidth: 340, minWidth: 240, autoPanPaddingTopLeft: GP.panTopLeft, autoPanPaddingBottomRight: GP.panBottomRight
          });
        }
        if (spec.tooltip && p[spec.tooltip]) {
          lyr.bindTooltip(GP.esc(p[spec.tooltip]), { sticky: true, direction: 'top' });
        }
        if (spec.search && p[spec.search.label]) {
          var sub = (spec.search.sub || []).map(function (k) { return p[k]; }).filter(function (v) { return v; }).join(', ');
          // one place, one entry: a commune drawn by several layers is listed once
          var dedupe = spec.search.kind + '|' +
            (p.id ? String(p.id) : GP.fold(p[spec.search.label]) + '|' + GP.fold(sub));
          if (GP.indexKeys[dedupe]) { return; }
          GP.indexKeys[dedupe] = true;
          GP.index.push({
            key: GP.fold(p[spec.search.label]),
            label: p[spec.search.label],
            sub: sub,
            kind: spec.search.kind,
            layer: lyr,
            group: id
          });
        }
      }
    });
    GP.layers[id] = layer;
    return layer;
  };

  /** Place names drawn as text at and above ``minZoom`` (never clickable).
   * ``rows`` are [lat, lon, name]; names are set as text, never as HTML. */
  GP.labelLayer = function (id, rows, opts) {
    var group = L.layerGroup();
    var markers = null;  // made the first time the zoom calls for them
    function make() {
      return rows.map(function (r) {
        var icon = L.divIcon({ className: 'gp-label ' + (opts.className || ''), html: '', iconSize: null });
        var mk = L.marker([r[0], r[1]], { icon: icon, interactive: false, keyboard: false, pane: 'gpLabels' });
        mk.on('add', function () { var el = mk.getElement(); if (el) { el.textContent = r[2]; } });
        return mk;
      });
    }
    function sync() {
      var show = GP.map.getZoom() >= opts.minZoom;
      if (!show && !markers) { return; }
      markers = markers || make();
      markers.forEach(function (mk) {
        if (show && !group.hasLayer(mk)) { group.addLayer(mk); }
        if (!show && group.hasLayer(mk)) { group.removeLayer(mk); }
      });
    }
    group.on('add', function () { sync(); GP.map.on('zoomend', sync); });
    group.on('remove', function () { GP.map.off('zoomend', sync); });
    GP.layers[id] = group;
    return group;
  };

  /** The offline base: a group of non-clickable line and label layers drawn under the data. */
  GP.baseGroup = function (id, parts) {
    var group = L.layerGroup(parts.map(function (lid) { return GP.layers[lid]; }).filter(Boolean));
    GP.layers[id] = group;
    return group;
  };

  /** An image overlay (hillshade, rasters) in its own pane. */
  GP.imageLayer = function (id, url, bounds, opts) {
    var layer = L.imageOverlay(url, bounds, {
      opacity: opts.opacity === undefined ? 1 : opts.opacity,
      pane: opts.pane || 'gpRaster',
      interactive: false,
      className: opts.className || ''
    });
    GP.layers[id] = layer;
    return layer;
  };

  /** An online tile layer that fails quietly (transparent tiles when offline). */
  GP.tileLayer = function (id, url, opts) {
    var layer = L.tileLayer(url, {
      attribution: opts.attribution || '',
      maxZoom: opts.maxZoom || 18,
      errorTileUrl: 'data:image/gif;base64,R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7'
    });
    GP.layers[id] = layer;
    return layer;
  };

  // ---------------------------------------------------------------- legend

  // The legend lives inside the layer control: a single-symbol layer gets its
  // swatch before its name, a multi-class layer lists its classes under its name
  // while it is shown.  Leaflet rebuilds the control's list on some changes, so
  // the decoration is re-applied after every rebuild.
  var legendSections = [];

  function swatch(item) {
    var c = GP.esc(item.color);
    switch (item.shape) {
      case 'circle': return '<span class="gp-sw gp-sw-circle" style="background:' + c + '"></span>';
      case 'line': return '<span class="gp-sw gp-sw-line" style="border-top:3px ' + (item.dash ? 'dashed ' : 'solid ') + c + '"></span>';
      case 'outline': return '<span class="gp-sw gp-sw-outline" style="border:2px solid ' + c + '"></span>';
      case 'ring': return '<span class="gp-sw gp-sw-circle gp-sw-ring" style="border:2.5px solid ' + c + '"></span>';
      case 'halo': return '<span class="gp-sw gp-sw-circle gp-sw-halo" style="background:' + c + '"></span>';
      default: return '<span class="gp-sw" style="background:' + c + ';opacity:' + (item.opacity || 0.85) + '"></span>';
    }
  }

  function sectionHtml(s) {
    var html = '';
    if (s.gradient) {
      html += '<div class="gp-leg-gradient" style="background:linear-gradient(to right,' +
        s.gradient.map(GP.esc).join(',') + ')"></div><div class="gp-leg-ends"><span>' +
        GP.esc(s.ends[0]) + '</span><span>' + GP.esc(s.ends[1]) + '</span></div>';
    }
    (s.items || []).forEach(function (it) {
      html += '<div class="gp-leg-item">' + swatch(it) + '<span>' + GP.esc(it.label) + '</span></div>';
    });
    if (s.sizes) {
      // circle size: the same radius function as the markers
      html += '<div class="gp-leg-sizes"><div class="gp-leg-sizes-title">' + GP.esc(s.sizes.title) + '</div>';
      s.sizes.values.forEach(function (v) {
        var r = GP.radius(v, s.sizes.style);
        html += '<span class="gp-leg-size"><svg width="' + (2 * r + 2) + '" height="' + (2 * r + 2) +
          '" aria-hidden="true"><circle cx="' + (r + 1) + '" cy="' + (r + 1) + '" r="' + r +
          '" fill="#bbb" stroke="#333" stroke-width="0.8"/></svg>' + GP.num(v, 0) + '</span>';
      });
      html += '</div>';
    }
    return html;
  }

  GP.decorateLayers = function () {
    var ctl = GP.layerControl;
    if (!ctl || !ctl._map || !ctl._layerControlInputs) { return; }
    var form = ctl._container.querySelector('.leaflet-control-layers-list');
    if (form && !ctl._container.querySelector('.gp-lc-head')) {
      var head = document.createElement('button');
      head.type = 'button';
      head.className = 'gp-lc-head';
      head.textContent = GP.t.layers_legend;
      head.setAttribute('aria-expanded', 'true');
      head.addEventListener('click', function (e) {
        L.DomEvent.stop(e);
        GP.collapseLayers(!ctl._container.classList.contains('gp-lc-closed'));
      });
      form.parentNode.insertBefore(head, form);
    }
    var byStamp = {};
    legendSections.forEach(function (s) {
      var l = GP.layers[s.layer];
      if (l) { byStamp[L.stamp(l)] = s; }
    });
    ctl._layerControlInputs.forEach(function (input) {
      var s = byStamp[input.layerId];
      var label = input.closest('label');
      if (!s || !label) { return; }
      label.classList.add('gp-lc-label');
      label.setAttribute('data-layer', s.layer);
      var old = label.querySelectorAll('.gp-leg-inline, .gp-leg-lead');
      for (var i = 0; i < old.length; i++) { old[i].parentNode.removeChild(old[i]); }
      var single = !s.gradient && !s.sizes && s.items && s.items.length === 1;
      var name = label.querySelector('span > span') || label;
      if (single) {
        var lead = document.createElement('span');
        lead.className = 'gp-leg-lead gp-legend';
        lead.innerHTML = swatch(s.items[0]);
        name.parentNode.insertBefore(lead, name);
      } else if (GP.map.hasLayer(GP.layers[s.layer])) {
        var div = document.createElement('div');
        div.className = 'gp-leg-inline gp-legend';
        div.setAttribute('data-layer', s.layer);
        div.innerHTML = sectionHtml(s);
        label.appendChild(div);
      }
    });
  };
  GP.updateLegend = GP.decorateLayers;

  /** Fold the layer control to its title button (true) or open it (false). */
  GP.collapseLayers = function (closed) {
    var ctl = GP.layerControl;
    if (!ctl) { return; }
    ctl._container.classList.toggle('gp-lc-closed', closed);
    var head = ctl._container.querySelector('.gp-lc-head');
    if (head) { head.setAttribute('aria-expanded', closed ? 'false' : 'true'); }
  };

  /** True on a phone-sized map: panels start folded. */
  GP.small = function () {
    var size = GP.map.getSize();
    return size.x < 700 || size.y < 520;
  };

  var layersUpdate = L.Control.Layers.prototype._update;
  L.Control.Layers.prototype._update = function () {
    var out = layersUpdate.apply(this, arguments);
    GP.layerControl = this;
    GP.decorateLayers();
    return out;
  };

  GP.legend = function (sections) {
    legendSections = sections;
    GP.decorateLayers();
  };

  // ---------------------------------------------------------------- search

  GP.search = function () {
    var ctl = L.control({ position: 'topleft' });
    ctl.onAdd = function () {
      var div = L.DomUtil.create('div', 'gp-search leaflet-bar');
      var input = L.DomUtil.create('input', 'gp-search-input', div);
      input.type = 'search';
      input.placeholder = GP.t.search_placeholder;
      input.setAttribute('aria-label', GP.t.search_placeholder);
      var list = L.DomUtil.create('ul', 'gp-search-results', div);
      L.DomEvent.disableClickPropagation(div);
      L.DomEvent.disableScrollPropagation(div);

      function choose(hit) {
        var group = GP.layers[hit.group];
        if (group && !GP.map.hasLayer(group)) { GP.map.addLayer(group); }
        var ll = hit.layer.getLatLng ? hit.layer.getLatLng() : hit.layer.getBounds().getCenter();
        if (hit.layer.getBounds) {
          GP.map.fitBounds(hit.layer.getBounds(), { maxZoom: 13, animate: false });
        } else {
          GP.map.setView(ll, Math.max(GP.map.getZoom(), 12), { animate: false });
        }
        hit.layer.openPopup(ll);
        list.innerHTML = '';
      }

      function run() {
        var q = GP.fold(input.value);
        list.innerHTML = '';
        if (q.length < 2) { return; }
        var hits = GP.index.filter(function (h) { return h.key.indexOf(q) !== -1; });
        hits.sort(function (a, b) {
          var sa = a.key.indexOf(q) === 0 ? 0 : 1;
          var sb = b.key.indexOf(q) === 0 ? 0 : 1;
          return sa - sb || a.key.localeCompare(b.key);
        });
        if (!hits.length) {
          var none = L.DomUtil.create('li', 'gp-search-none', list);
          none.textContent = GP.t.search_none;
          return;
        }
        hits.slice(0, 12).forEach(function (h) {
          var li = L.DomUtil.create('li', 'gp-search-hit', list);
          var name = L.DomUtil.create('span', 'gp-hit-name', li);
          name.textContent = h.label;
          var sub = L.DomUtil.create('span', 'gp-hit-sub', li);
          sub.textContent = (GP.t['kind_' + h.kind] || '') + (h.sub ? ' · ' + h.sub : '');
          li.addEventListener('click', function (e) {
            // the list is emptied on choosing: stop the click here, or the map would see a
            // click from a detached element and close the popup just opened
            L.DomEvent.stop(e);
            choose(h);
          });
        });
      }
      input.addEventListener('input', run);
      input.addEventListener('keydown', function (e) {
        if (e.key === 'Enter') {
          var first = list.querySelector('.gp-search-hit');
          if (first) { first.click(); }
        }
      });
      return div;
    };
    ctl.addTo(GP.map);
  };

  // ---------------------------------------------------------------- coordinates

  // WGS 84 -> VN-2000 / TM-3 107°30' (EPSG:9216): inverse of the 7-parameter
  // VN-2000 -> WGS 84 Helmert (coordinate frame), then transverse Mercator on the
  // WGS 84 ellipsoid.  Agrees with PROJ to a few millimetres.
  var A = 6378137.0, F = 1 / 298.257223563, E2 = F * (2 - F);
  var HELMERT = { tx: -191.90441429, ty: -39.30318279, tz: -111.45032835,
    rx: -0.00928836, ry: 0.01975479, rz: -0.00427372, s: 0.252906278 };

  function toCart(lat, lon, h) {
    var n = A / Math.sqrt(1 - E2 * Math.sin(lat) * Math.sin(lat));
    return [(n + h) * Math.cos(lat) * Math.cos(lon), (n + h) * Math.cos(lat) * Math.sin(lon),
      (n * (1 - E2) + h) * Math.sin(lat)];
  }

  function fromCart(x, y, z) {
    var lon = Math.atan2(y, x);
    var p = Math.sqrt(x * x + y * y);
    var lat = Math.atan2(z, p * (1 - E2));
    for (var i = 0; i < 8; i++) {
      var n = A / Math.sqrt(1 - E2 * Math.sin(lat) * Math.sin(lat));
      var h = p / Math.cos(lat) - n;
      lat = Math.atan2(z, p * (1 - E2 * n / (n + h)));
    }
    return [lat, lon];
  }

  function helmertInverse(c) {
    // forward (VN-2000 -> WGS 84, coordinate frame): X' = T + (1+s)·R·X with small-angle R
    var sec = Math.PI / (180 * 3600);
    var rx = HELMERT.rx * sec, ry = HELMERT.ry * sec, rz = HELMERT.rz * sec;
    var m = 1 + HELMERT.s * 1e-6;
    var x = c[0] - HELMERT.tx, y = c[1] - HELMERT.ty, z = c[2] - HELMERT.tz;
    // R^-1 ~ R^T for small angles; coordinate-frame R = [[1, rz, -ry], [-rz, 1, rx], [ry, -rx, 1]]
    return [(x - rz * y + ry * z) / m, (rz * x + y - rx * z) / m, (-ry * x + rx * y + z) / m];
  }

  function tmerc(lat, lon, lon0, k0, fe, fn) {
    var ep2 = E2 / (1 - E2);
    var n = A / Math.sqrt(1 - E2 * Math.sin(lat) * Math.sin(lat));
    var t = Math.tan(lat) * Math.tan(lat);
    var c = ep2 * Math.cos(lat) * Math.cos(lat);
    var a = Math.cos(lat) * (lon - lon0);
    var e4 = E2 * E2, e6 = e4 * E2;
    var m = A * ((1 - E2 / 4 - 3 * e4 / 64 - 5 * e6 / 256) * lat -
      (3 * E2 / 8 + 3 * e4 / 32 + 45 * e6 / 1024) * Math.sin(2 * lat) +
      (15 * e4 / 256 + 45 * e6 / 1024) * Math.sin(4 * lat) - (35 * e6 / 3072) * Math.sin(6 * lat));
    var x = fe + k0 * n * (a + (1 - t + c) * Math.pow(a, 3) / 6 +
      (5 - 18 * t + t * t + 72 * c - 58 * ep2) * Math.pow(a, 5) / 120);
    var y = fn + k0 * (m + n * Math.tan(lat) * (a * a / 2 + (5 - t + 9 * c + 4 * c * c) * Math.pow(a, 4) / 24 +
      (61 - 58 * t + t * t + 600 * c - 330 * ep2) * Math.pow(a, 6) / 720));
    return [x, y];
  }

  /** Return [easting, northing] in VN-2000 / TM-3 107°30' for a WGS 84 point. */
  GP.vn2000 = function (latDeg, lonDeg) {
    var d = Math.PI / 180;
    var c = helmertInverse(toCart(latDeg * d, lonDeg * d, 0));
    var g = fromCart(c[0], c[1], c[2]);
    return tmerc(g[0], g[1], 107.5 * d, 0.9999, 500000, 0);
  };

  GP.coords = function () {
    var ctl = L.control({ position: 'bottomleft' });
    ctl.onAdd = function (map) {
      var div = L.DomUtil.create('div', 'gp-coords');
      function show(ll) {
        var en = GP.vn2000(ll.lat, ll.lng);
        div.innerHTML = '<b>WGS 84</b> ' + GP.num(ll.lat, 5) + '° N, ' + GP.num(ll.lng, 5) + '° E' +
          '<br><b>VN-2000</b> <span title="TM-3 107°30′ (EPSG:9216)">TM-3 107°30′</span> X ' +
          GP.num(en[1], 0) + ' m, Y ' + GP.num(en[0], 0) + ' m';
      }
      map.on('mousemove', function (e) { show(e.latlng); });
      map.on('click', function (e) { show(e.latlng); });
      show(map.getCenter());
      return div;
    };
    ctl.addTo(GP.map);
  };

  // ---------------------------------------------------------------- fullscreen

  GP.fullscreen = function () {
    var ctl = L.control({ position: 'topleft' });
    ctl.onAdd = function (map) {
      var div = L.DomUtil.create('div', 'leaflet-bar gp-fullscreen');
      var a = L.DomUtil.create('a', '', div);
      a.href = '#';
      a.title = GP.t.fullscreen;
      a.setAttribute('role', 'button');
      a.innerHTML = '<svg viewBox="0 0 16 16" width="16" height="16" aria-hidden="true"><path d="M1 6V1h5M10 1h5v5M15 10v5h-5M6 15H1v-5" fill="none" stroke="#333" stroke-width="2"/></svg>';
      L.DomEvent.on(a, 'click', function (e) {
        L.DomEvent.preventDefault(e);
        var el = document.documentElement;
        if (document.fullscreenElement) {
          document.exitFullscreen();
        } else if (el.requestFullscreen) {
          el.requestFullscreen().catch(function () { document.body.classList.toggle('gp-pseudo-fs'); });
        } else {
          document.body.classList.toggle('gp-pseudo-fs');
        }
        setTimeout(function () { map.invalidateSize(); }, 200);
      });
      L.DomEvent.disableClickPropagation(div);
      return div;
    };
    ctl.addTo(GP.map);
  };

  // ---------------------------------------------------------------- title, banner, panels

  GP.title = function (cfg) {
    // first in the top-left corner: the search box and the zoom buttons stack under it, so
    // the title never covers them on any screen
    var ctl = L.control({ position: 'topleft' });
    var div = L.DomUtil.create('div', 'gp-title leaflet-bar');
    ctl.onAdd = function () { return div; };
    var h = L.DomUtil.create('div', 'gp-title-main', div);
    h.textContent = cfg.title;
    if (cfg.subtitle) {
      var s = L.DomUtil.create('div', 'gp-title-sub', div);
      s.textContent = cfg.subtitle;
    }
    if (cfg.synthetic) {
      var b = L.DomUtil.create('div', 'gp-synthetic', div);
      b.textContent = cfg.synthetic;
    }
    L.DomEvent.disableClickPropagation(div);
    L.DomEvent.disableScrollPropagation(div);
    ctl.addTo(GP.map);
    var corner = div.parentNode;
    corner.insertBefore(div, corner.firstChild);
  };

  /** A collapsible panel holding server-rendered (already escaped) HTML. */
  GP.panel = function (cfg) {
    var ctl = L.control({ position: cfg.position || 'topright' });
    ctl.onAdd = function () {
      var div = L.DomUtil.create('div', 'gp-panel leaflet-bar' + (cfg.open ? '' : ' gp-collapsed'));
      var head = L.DomUtil.create('button', 'gp-panel-head', div);
      head.type = 'button';
      head.textContent = cfg.title;
      var body = L.DomUtil.create('div', 'gp-panel-body', div);
      body.innerHTML = cfg.html;  // built and escaped by geoplan.render
      head.addEventListener('click', function () { div.classList.toggle('gp-collapsed'); });
      L.DomEvent.disableClickPropagation(div);
      L.DomEvent.disableScrollPropagation(div);
      return div;
    };
    ctl.addTo(GP.map);
  };

  /** Make every ``table.gp-sortable`` sortable by a click on a column head (numbers by value). */
  GP.sortTables = function (root) {
    var tables = (root || document).querySelectorAll('table.gp-sortable');
    Array.prototype.forEach.call(tables, function (table) {
      var heads = table.querySelectorAll('thead th');
      Array.prototype.forEach.call(heads, function (th, col) {
        th.classList.add('gp-sort');
        th.setAttribute('tabindex', '0');
        th.setAttribute('aria-sort', 'none');
        function sort() {
          var asc = th.getAttribute('aria-sort') !== 'ascending';
          Array.prototype.forEach.call(heads, function (h) { h.setAttribute('aria-sort', 'none'); });
          th.setAttribute('aria-sort', asc ? 'ascending' : 'descending');
          var body = table.tBodies[0];
          var rows = Array.prototype.filter.call(body.rows, function (r) { return !r.classList.contains('gp-total'); });
          var totals = Array.prototype.filter.call(body.rows, function (r) { return r.classList.contains('gp-total'); });
          function key(r) {
            var c = r.cells[col];
            if (!c) { return ''; }
            var v = c.getAttribute('data-v');
            return v === null ? c.textContent.trim() : (v === '' ? NaN : parseFloat(v));
          }
          rows.sort(function (a, b) {
            var x = key(a), y = key(b), d;
            if (typeof x === 'number' || typeof y === 'number') {
              var xn = typeof x === 'number' && !isNaN(x), yn = typeof y === 'number' && !isNaN(y);
              d = xn && yn ? x - y : (xn ? -1 : (yn ? 1 : 0));
              if (!xn || !yn) { return d; }
            } else {
              d = String(x).localeCompare(String(y), GP.locale);
            }
            return asc ? d : -d;
          });
          rows.concat(totals).forEach(function (r) { body.appendChild(r); });
        }
        th.addEventListener('click', sort);
        th.addEventListener('keydown', function (e) { if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); sort(); } });
      });
    });
  };

  GP.finish = function (bounds) {
    GP.map.invalidateSize({ animate: false });
    if (GP.small()) { GP.collapseLayers(true); }
    var box = GP.map.getContainer().getBoundingClientRect();
    var topLeft = GP.map.getContainer().querySelector('.leaflet-top.leaflet-left');
    if (topLeft) { GP.panTopLeft.y = Math.max(100, topLeft.getBoundingClientRect().bottom - box.top + 10); }
    var bottomLeft = GP.map.getContainer().querySelector('.leaflet-bottom.leaflet-left');
    if (bottomLeft && GP.small()) {
      GP.panBottomRight.y = Math.max(20, box.bottom - bottomLeft.getBoundingClientRect().top + 10);
    }
    GP.sortTables();
    if (bounds) {
      // keep the data clear of the search box and the layer control
      var lc = GP.layerControl && GP.layerControl._container;
      var right = lc && !GP.small() ? Math.min(lc.offsetWidth + 20, GP.map.getSize().x / 3) : 10;
      var left = GP.small() ? 10 : 60;
      GP.map.fitBounds(bounds, { animate: false, paddingTopLeft: [left, GP.small() ? 40 : 70], paddingBottomRight: [right, 20] });
    }
    GP.updateLegend();
    window.requestAnimationFrame(function () {
      GP.ready = true;
      window.geoplanReady = performance.now();
    });
  };
})();

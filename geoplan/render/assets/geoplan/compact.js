/* geoplan map runtime, compact point layers: thousands of villages on one canvas.
 * Part of geoplan (MIT). Needs Leaflet and geoplan.js; makes no network request.
 * Layers come as columns (geoplan/render/map_compact.py). Popups are built on click by
 * GP.popupHtml, which escapes every text from data; tooltips and labels are set as text
 * (textContent, canvas fillText), never as HTML.
 */
(function () {
  'use strict';

  var GP = window.GP;
  var geojsonLayer = GP.dataLayer;
  var MERGE_PX = 10;         // points in one square of this many pixels at low zoom are drawn as one
  var MERGED_RADIUS = 4.5;   // ... no larger than this, so the squares' points do not overlap
  var MERGE_BELOW_ZOOM = 12; // ... below this zoom
  var MAX_SINGLE = 6000;     // ... or when more points than this are in view
  var PAD = 0.2;             // canvas margin around the view, as a share of its size
  var HIT_SLOP = 2;          // px added to a point's radius when testing a click or hover
  var compact = [];          // compact layers, bottom first
  var ASCII = /^[\x20-\x7e]*$/, NOT_ALNUM = /[^a-z0-9]+/g;

  /** Zig-zag varints in printable characters (map_compact._varints); 0 is a missing value,
   * NaN here. ``delta``: each is the difference from the previous value given. */
  function varints(s, delta) {
    var out = [], i = 0, prev = 0;
    while (i < s.length) {
      var r = 0, m = 1, b;
      do {
        b = s.charCodeAt(i++) - 63;
        r += (b & 31) * m;
        m *= 32;
      } while (b >= 32);
      if (r === 0) { out.push(NaN); continue; }
      var z = r - 1, d = z % 2 ? -(z + 1) / 2 : z / 2;
      prev = delta ? prev + d : d;
      out.push(prev);
    }
    return out;
  }

  /** A function of a row giving a column's value (see map_compact.encode_column). */
  function getter(c) {
    if ('p' in c) {
      var pos = getter(c.p), inner = getter(c.c), at = new Int32Array(c.n).fill(-1);
      for (var k = 0; at.length && k < c.n; k++) {
        var where = pos(k);
        if (where === null || where === undefined) { break; }
        at[where] = k;
      }
      return function (i) { return at[i] < 0 ? null : inner(at[i]); };
    }
    if ('l' in c) {
      var parts = c.l.map(getter), nulls = {};
      (c.z || []).forEach(function (i) { nulls[i] = true; });
      return function (i) { return nulls[i] ? null : parts.map(function (g) { return g(i); }); };
    }
    if ('j' in c) {
      var joined = getter(c.j);
      return function (i) { var v = joined(i); return v === null ? null : (v ? v.split('\n') : []); };
    }
    if ('t' in c) {
      var template = getter(c.i), args = getter(c.a);
      return function (i) {
        var t = c.t[template(i)];
        if (t === null || t === undefined) { return null; }
        var pieces = t.split('\u0001'), a = args(i), numbers = a ? a.split(' ') : [], out = pieces[0];
        for (var k = 1; k < pieces.length; k++) { out += numbers[k - 1] + pieces[k]; }
        return out;
      };
    }
    if ('d' in c) {
      var index = getter(c.i);
      return function (i) { return c.d[index(i)]; };
    }
    if ('q' in c) {
      var ints = varints(c.q, c.dz === 1), f = c.f;
      return function (i) { var v = ints[i]; return v !== v ? null : (f ? v / f : v); };
    }
    return function (i) { return c.v[i]; };
  }

  var CompactLayer = L.Layer.extend({
    initialize: function (id, data, spec) {
      var st = spec.style || {};
      this.id = id;
      this.spec = spec;
      this.st = st;
      this.n = data.n;
      L.setOptions(this, { pane: spec.pane || 'gpPoints' });
      this.get = {};
      for (var key in data.cols) { this.get[key] = getter(data.cols[key]); }
      var coords = GP.decodePolyline(data.xy, data.enc), crs = L.CRS.EPSG3857;
      this.lat = new Float64Array(this.n);
      this.lon = new Float64Array(this.n);
      this.px = new Float64Array(this.n);  // projected at zoom 0
      this.py = new Float64Array(this.n);
      this.radius = new Float32Array(this.n);
      this.color = new Array(this.n);
      for (var i = 0; i < this.n; i++) {
        var ll = L.latLng(coords[i][1], coords[i][0]), p = crs.latLngToPoint(ll, 0);
        this.lat[i] = ll.lat;
        this.lon[i] = ll.lng;
        this.px[i] = p.x;
        this.py[i] = p.y;
        this.radius[i] = GP.radius(st.radiusBy ? this.value(st.radiusBy, i) : null, st);
        var k = st.by ? String(this.value(st.by, i)) : null;
        this.color[i] = (k !== null && st.colors && st.colors[k]) || st.fill || st.color || '#3388ff';
      }
      this.shown = new Int32Array(0);
      this.merged = new Int32Array(0);
      // rings keep their size: merged in squares they do not overlap in
      this.cell = st.noFill === true ? Math.max(MERGE_PX, 2 * (st.radius || 5) + 2) : MERGE_PX;
    },

    value: function (key, i) { var g = this.get[key]; return g ? g(i) : undefined; },

    /** The feature's properties, as the GeoJSON layers have them. */
    props: function (i) {
      var p = {};
      for (var key in this.get) { p[key] = this.get[key](i); }
      return p;
    },

    latLng: function (i) { return L.latLng(this.lat[i], this.lon[i]); },

    onAdd: function (map) {
      this.canvas = L.DomUtil.create('canvas', 'gp-compact leaflet-zoom-animated', this.getPane());
      map.on('moveend viewreset resize', this.redraw, this);
      map.on('zoomanim', this.animateZoom, this);
      compact.push(this);
      this.redraw();
    },

    onRemove: function (map) {
      map.off('moveend viewreset resize', this.redraw, this);
      map.off('zoomanim', this.animateZoom, this);
      L.DomUtil.remove(this.canvas);
      compact.splice(compact.indexOf(this), 1);
      hideTip();
    },

    animateZoom: function (e) {
      var offset = this._map._latLngBoundsToNewLayerBounds(this.bounds, e.zoom, e.center).min;
      L.DomUtil.setTransform(this.canvas, offset, this._map.getZoomScale(e.zoom));
    },

    /** Draw the points in view (merged below MERGE_BELOW_ZOOM), then their names. */
    redraw: function () {
      var map = this._map;
      if (!map) { return; }
      var size = map.getSize(), pad = size.multiplyBy(PAD).round();
      var w = size.x + 2 * pad.x, h = size.y + 2 * pad.y, dpr = window.devicePixelRatio || 1;
      var topLeft = map.containerPointToLayerPoint([-pad.x, -pad.y]).round();
      var canvas = this.canvas;
      L.DomUtil.setPosition(canvas, topLeft);
      canvas.width = Math.round(w * dpr);
      canvas.height = Math.round(h * dpr);
      canvas.style.width = w + 'px';
      canvas.style.height = h + 'px';
      this.bounds = L.latLngBounds(map.layerPointToLatLng(topLeft), map.layerPointToLatLng(topLeft.add([w, h])));
      var zoom = map.getZoom(), origin = map.getPixelOrigin();
      this.scale = map.options.crs.scale(zoom) / map.options.crs.scale(0);
      this.ox = origin.x + topLeft.x;
      this.oy = origin.y + topLeft.y;
      this.offset = map.layerPointToContainerPoint(topLeft);
      this.pick(w, h);
      var ctx = canvas.getContext('2d');
      ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
      this.paint(ctx);
      // names only for villages drawn one by one: merged points stand for several
      if (this.spec.labels && zoom >= this.spec.labels.minZoom && !this.merging) { this.label(ctx, w, h); }
    },

    /** Radius in pixels of the j-th point drawn (smaller while points are merged). */
    size: function (j) {
      var r = this.radius[this.shown[j]];
      return this.merging && this.st.noFill !== true ? Math.min(r, MERGED_RADIUS) : r;
    },

    x: function (i) { return this.px[i] * this.scale - this.ox; },
    y: function (i) { return this.py[i] * this.scale - this.oy; },

    /** Choose the points to draw: those in the canvas; below MERGE_BELOW_ZOOM, or when more than
     * MAX_SINGLE are in view, the last one of each ``cell``-pixel square stands for the others
     * (``merged`` counts them). */
    pick: function (w, h) {
      var m = 12, inView = [], i, j;
      for (i = 0; i < this.n; i++) {
        var x = this.x(i), y = this.y(i);
        if (x >= -m && y >= -m && x <= w + m && y <= h + m) { inView.push(i); }
      }
      this.merging = this._map.getZoom() < MERGE_BELOW_ZOOM || inView.length > MAX_SINGLE;
      if (!this.merging) {
        this.shown = Int32Array.from(inView);
        this.merged = new Int32Array(inView.length).fill(1);
        return;
      }
      var cell = this.cell, slot = new Map(), shown = [], merged = [];
      for (j = 0; j < inView.length; j++) {
        i = inView[j];
        var key = Math.floor(this.x(i) / cell) * 65536 + Math.floor(this.y(i) / cell), s = slot.get(key);
        if (s === undefined) { slot.set(key, shown.length); shown.push(i); merged.push(1); }
        else { shown[s] = i; merged[s] += 1; }
      }
      var order = shown.map(function (_, k) { return k; });
      order.sort(function (a, b) { return shown[a] - shown[b]; });
      this.shown = Int32Array.from(order, function (k) { return shown[k]; });
      this.merged = Int32Array.from(order, function (k) { return merged[k]; });
    },

    paint: function (ctx) {
      var st = this.st, shown = this.shown, j, i, x, y, r;
      var fill = st.noFill !== true, weight = st.weight === undefined ? 0.8 : st.weight;
      var alpha = st.fillOpacity === undefined ? 0.9 : st.fillOpacity;
      if (fill) {
        // the white halo the GeoJSON layers get from a CSS drop-shadow: under every point
        ctx.beginPath();
        for (j = 0; j < shown.length; j++) {
          i = shown[j]; x = this.x(i); y = this.y(i); r = this.size(j) + 1.5;
          ctx.moveTo(x + r, y);
          ctx.arc(x, y, r, 0, 2 * Math.PI);
        }
        ctx.fillStyle = 'rgba(255,255,255,0.9)';
        ctx.fill();
      }
      ctx.strokeStyle = st.stroke || '#222222';
      ctx.lineWidth = weight;
      // one path per run of points of one colour (the layers are sorted, so runs are long)
      for (j = 0; j < shown.length;) {
        var colour = this.color[shown[j]];
        ctx.beginPath();
        for (; j < shown.length && this.color[shown[j]] === colour; j++) {
          i = shown[j]; x = this.x(i); y = this.y(i); r = this.size(j);
          ctx.moveTo(x + r, y);
          ctx.arc(x, y, r, 0, 2 * Math.PI);
        }
        if (fill) {
          ctx.globalAlpha = alpha;
          ctx.fillStyle = colour;
          ctx.fill();
          ctx.globalAlpha = 1;
        }
        if (weight > 0) { ctx.stroke(); }
      }
    },

    /** Names of the points in view, top points first, skipping names that would overlap. */
    label: function (ctx, w, h) {
      var key = this.spec.labels.key, taken = new Set(), rowH = 14, colW = 40;
      ctx.font = '600 11px sans-serif';
      ctx.textBaseline = 'middle';
      ctx.lineWidth = 3;
      ctx.strokeStyle = 'rgba(255,255,255,0.9)';
      ctx.fillStyle = '#333';
      for (var j = this.shown.length - 1; j >= 0; j--) {
        var i = this.shown[j], x = this.x(i) + this.size(j) + 3, y = this.y(i);
        var row = Math.floor(y / rowH);
        if (x < 0 || y < 0 || x > w || y > h || taken.has(row * 4096 + Math.floor(x / colW))) { continue; }
        var text = this.value(key, i);
        if (!text) { continue; }
        text = String(text);
        var width = ctx.measureText(text).width;
        var c0 = Math.floor(x / colW), c1 = Math.floor((x + width) / colW), free = true, c;
        for (c = c0; c <= c1 && free; c++) { free = !taken.has(row * 4096 + c); }
        if (!free) { continue; }
        for (c = c0; c <= c1; c++) { taken.add(row * 4096 + c); }
        ctx.strokeText(text, x, y);
        ctx.fillText(text, x, y);
      }
    },

    /** The topmost drawn point under a container point, as {layer, j, i}, or null. */
    hit: function (cp) {
      var x = cp.x - this.offset.x, y = cp.y - this.offset.y, ring = this.st.noFill === true;
      for (var j = this.shown.length - 1; j >= 0; j--) {
        var i = this.shown[j], dx = this.x(i) - x, dy = this.y(i) - y, r = this.size(j);
        var d = Math.sqrt(dx * dx + dy * dy);
        if (d <= r + HIT_SLOP && (!ring || d >= r - 4)) { return { layer: this, j: j, i: i }; }
      }
      return null;
    },

    /** Open the popup of point ``i`` at its place. */
    openAt: function (i) {
      if (!this.spec.popup) { return; }
      L.popup({
        maxWidth: 340, minWidth: 240, autoPanPaddingTopLeft: GP.panTopLeft, autoPanPaddingBottomRight: GP.panBottomRight
      }).setLatLng(this.latLng(i)).setContent(GP.popupHtml(this.props(i), this.spec.popup)).openOn(this._map);
    },

    /** Add every point to the search box's index (once, when the search is first used). */
    index: function () {
      var s = this.spec.search, words = new Map();
      if (!s) { return; }
      // GP.fold drops spaces, so a text folds as its words do: fold each distinct word once;
      // plain ASCII (codes) folds to its lower-case letters and digits, as GP.fold would
      function fold(text) {
        text = String(text);
        if (ASCII.test(text)) { return text.toLowerCase().replace(NOT_ALNUM, ''); }
        return text.split(' ').map(function (word) {
          var f = words.get(word);
          if (f === undefined) { f = GP.fold(word); words.set(word, f); }
          return f;
        }).join('');
      }
      var subs = (s.sub || []).map(function (k) { return this.get[k]; }, this).filter(Boolean);
      var label = this.get[s.label], code = this.get.id;
      for (var i = 0; i < this.n; i++) {
        var name = label ? label(i) : null;
        if (!name) { continue; }
        var sub = subs.map(function (g) { return g(i); }).filter(function (v) { return v; }).join(', ');
        var id = code ? code(i) : null, key = fold(name);
        var dedupe = s.kind + '|' + (id ? String(id) : key + '|' + fold(sub));
        if (GP.indexKeys[dedupe]) { continue; }
        GP.indexKeys[dedupe] = true;
        // the code too: a query (folded, so without '|') matches the name or the code, never
        // a piece of both
        if (id && String(id) !== String(name)) { key += '|' + fold(id); }
        GP.index.push({ key: key, label: name, sub: sub, kind: s.kind, layer: this.place(i), group: this.id });
      }
    },

    /** What the search box needs of a hit: where it is and how to open it. */
    place: function (i) { return new Place(this, i); }
  });

  function Place(layer, i) { this.layer = layer; this.i = i; }
  Place.prototype.getLatLng = function () { return this.layer.latLng(this.i); };
  Place.prototype.openPopup = function () { this.layer.openAt(this.i); };

  /** The topmost compact point under a mouse event on the map, or null. */
  function topHit(e) {
    var map = GP.map, t = e.target;
    if (!map || !compact.length || !(t instanceof Element)) { return null; }
    if (t.closest('.leaflet-control-container, .leaflet-popup-pane, .leaflet-tooltip-pane')) { return null; }
    var cp = map.mouseEventToContainerPoint(e);
    for (var k = compact.length - 1; k >= 0; k--) {
      var hit = compact[k].hit(cp);
      if (hit) { return hit; }
    }
    return null;
  }

  var tip = null;
  function hideTip() {
    if (tip && GP.map) { GP.map.closeTooltip(tip); }
    tip = null;
  }

  function onClick(e) {
    var map = GP.map;
    if (map && map.dragging && map.dragging.moved()) { return; }
    var hit = topHit(e);
    if (!hit || !hit.layer.spec.popup) { return; }
    // the point is above every other layer: the click is its own
    e.stopPropagation();
    hideTip();
    var layer = hit.layer, zoom = map.getZoom();
    if (layer.merged[hit.j] > 1 && layer.merging) {
      map.setView(layer.latLng(hit.i), Math.min(zoom + 2, map.getMaxZoom()));
    } else {
      layer.openAt(hit.i);
    }
  }

  function onMove(e) {
    var map = GP.map, hit = topHit(e);
    map.getContainer().classList.toggle('gp-on-point', !!hit);
    var key = hit && hit.layer.spec.tooltip, text = key && hit.layer.value(key, hit.i);
    if (!text) { hideTip(); return; }
    var span = document.createElement('span');
    span.textContent = String(text);
    if (!tip) { tip = L.tooltip({ direction: 'top', offset: [0, -6] }); }
    tip.setLatLng(hit.layer.latLng(hit.i)).setContent(span);
    if (!map.hasLayer(tip)) { map.openTooltip(tip); }
  }

  var wired = false;
  function wire(map) {
    if (wired) { return; }
    wired = true;
    var style = document.createElement('style');
    style.textContent = '.gp-compact{position:absolute;pointer-events:none}' +
      '.gp-on-point,.gp-on-point .leaflet-interactive{cursor:pointer}';
    document.head.appendChild(style);
    var box = map.getContainer();
    box.addEventListener('click', onClick, true);
    box.addEventListener('mousemove', onMove);
    box.addEventListener('mouseout', function (e) { if (!box.contains(e.relatedTarget)) { hideTip(); } });
    var indexed = false;
    function fill(e) {
      if (indexed || !(e.target instanceof Element) || !e.target.classList.contains('gp-search-input')) { return; }
      indexed = true;
      allCompact.forEach(function (l) { l.index(); });
    }
    document.addEventListener('focusin', fill, true);
    document.addEventListener('input', fill, true);
  }

  var allCompact = [];  // every compact layer, shown or not (the search finds hidden ones too)

  /** ``GP.dataLayer`` for columns (``data.type == "Columns"``); GeoJSON goes as before. */
  GP.dataLayer = function (id, data, spec) {
    if (!data || data.type !== 'Columns') { return geojsonLayer(id, data, spec); }
    wire(GP.map);
    var layer = new CompactLayer(id, data, spec);
    allCompact.push(layer);
    GP.layers[id] = layer;
    return layer;
  };
})();

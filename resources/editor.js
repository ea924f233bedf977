/*
 * Editor code shared by the seven edit dialogs of @event-router/node-red-vmware (nodes/*.html).
 *
 * Node-RED serves this package's resources/ folder to the editor at
 * resources/@event-router/node-red-vmware/<file>; every nodes/*.html loads this file with
 * <script src="resources/@event-router/node-red-vmware/editor.js">. The editor adds one <script>
 * element per node set that names it (it does not de-duplicate), so the file guards itself
 * against a second evaluation: the first one defines window.VMwareEvents, the others return.
 *
 * What is here:
 * - registerType(type, def): Node-RED's, plus what every node of the package shares (category,
 *   palette and port labels, the name as label, the shared oneditprepare steps and rows);
 * - validators for the node definitions' `defaults` (numbers in a range, http(s) URLs, choices);
 * - the `defaults` entries of the properties several nodes share (delivery and maxInFlight,
 *   checkpoints, the sinks' retries and the CloudEvent wrapping of plain payloads);
 * - the form rows of those shared properties: a template marks where they go with
 *   <div data-vmw-rows="delivery maxInFlight ..."></div> and `template(type)` writes the rows in
 *   before the first dialog opens (the editor fills and watches the fields of a template before
 *   oneditprepare runs, so the rows must be in the template itself);
 * - `prepare(node)`, the oneditprepare steps the dialogs share (context store choice, the rows
 *   that only apply to delivery "acknowledged", the CloudEvent source placeholder).
 *
 * Plain ES5, no build step: the browser loads this file as it is. It needs window.RED and jQuery
 * only when a function is called, so test/unit/editor-resources_spec.js can load it in a VM.
 */
(function (root) {
  "use strict";
  if (root.VMwareEvents) return;

  // ---- validators ----------------------------------------------------------------------------

  function blank(v) {
    return v === undefined || v === null || String(v).trim() === "";
  }

  /**
   * A number from min to max (max may be Infinity); `integer` takes whole numbers only;
   * `optional` also takes an empty field (the node then uses its own default).
   */
  function number(min, max, opts) {
    var o = opts || {};
    var re = o.integer ? /^\d+$/ : /^\d+(\.\d+)?$/;
    return function (v) {
      if (blank(v)) return !!o.optional;
      var text = String(v).trim();
      return re.test(text) && Number(text) >= min && Number(text) <= max;
    };
  }

  /** An http(s) URL with a host and without user info; `optional` also takes an empty field. */
  function httpUrl(opts) {
    var o = opts || {};
    var re = o.path === "no-query" ? /^https?:\/\/[^\s/?#@]+(\/[^\s?#]*)?$/i : /^https?:\/\/[^\s/?#@]+(\/\S*)?$/i;
    return function (v) {
      if (blank(v)) return !!o.optional;
      return typeof v === "string" && re.test(v.trim());
    };
  }

  /** One of the given strings. */
  function oneOf(values) {
    return function (v) { return values.indexOf(v) !== -1; };
  }

  /** Text without white space (may be empty). */
  function noSpace(v) {
    return v === undefined || v === null || /^\S*$/.test(String(v));
  }

  // ---- shared defaults -----------------------------------------------------------------------

  /**
   * The `defaults` entries of the properties several nodes share, one function a property, so
   * each node's definition still lists all its properties inline (the Flow Library's checker
   * reads them from the object literal).
   */
  var prop = {
    /** delivery: the same concept in vcenter-in, horizon-in and cloudevent-in */
    delivery: function (initial) { return { value: initial, validate: oneOf(["acknowledged", "sent"]) }; },
    /**
     * unfinished events at most (delivery acknowledged); empty means the node's default. The
     * sources' default is 100 (DEFAULT_MAX_IN_FLIGHT in lib/source/types.ts says why);
     * cloudevent-in passes its own 1000.
     */
    maxInFlight: function (value) { return { value: value === undefined ? 100 : value, validate: number(1, 100000, { integer: true, optional: true }) }; },
    filter: function () { return { value: "", validate: filterCheck }; },
    checkpointStore: function () { return { value: "" }; },
    checkpointPeriod: function () { return { value: 10, required: true, validate: number(1, Infinity) }; },
    /** the HTTP sinks' timeout, retries, back-off and concurrency, with each node's own value */
    timeout: function (initial) { return { value: initial, validate: number(0.1, 3600, { optional: true }) }; },
    retries: function (initial) { return { value: initial, validate: number(0, 100, { integer: true, optional: true }) }; },
    backoffDelay: function (initial) { return { value: initial, validate: number(0, 60, { optional: true }) }; },
    concurrency: function () { return { value: 1, validate: number(1, 1000, { integer: true, optional: true }) }; },
    /** type and source of the CloudEvent a sink wraps a plain payload in */
    ceType: function () { return { value: "", validate: noSpace }; },
    ceSource: function () { return { value: "", validate: noSpace }; },
  };

  function labelStyle() {
    return this.name ? "node_label_italic" : "";
  }

  // ---- form rows -----------------------------------------------------------------------------

  function attr(s) {
    return String(s).replace(/&/g, "&amp;").replace(/"/g, "&quot;").replace(/</g, "&lt;");
  }

  function Rows(type, prefix, rowClass, hints) {
    this.type = type;
    this.prefix = prefix;
    this.rowClass = rowClass;
    this.hints = hints;
  }
  Rows.prototype.key = function (group, name) {
    return attr(this.type + "." + group + "." + name);
  };
  Rows.prototype.id = function (name) {
    return attr(this.prefix + "-" + name);
  };
  Rows.prototype.row = function (inner, extraClass) {
    var cls = ["form-row"].concat(extraClass ? [extraClass] : [], this.rowClass ? [this.rowClass] : []).join(" ");
    return '<div class="' + attr(cls) + '">' + inner + "</div>";
  };
  Rows.prototype.label = function (name, icon, style) {
    return '<label for="' + this.id(name) + '"' + (style ? ' style="' + style + '"' : "") + ">" +
      (icon ? '<i class="fa ' + icon + '"></i> ' : "") + '<span data-i18n="' + this.key("label", name) + '"></span></label>';
  };
  Rows.prototype.unit = function (name) {
    return ' <span data-i18n="' + this.key("label", name) + '"></span>';
  };
  Rows.prototype.input = function (name, opts) {
    var o = opts || {};
    var hint = this.hints.indexOf(name) !== -1 ? ' data-i18n="[placeholder]' + this.key("placeholder", name) + '"' : "";
    return '<input type="' + (o.password ? "password" : "text") + '" id="' + this.id(name) + '"' +
      (o.narrow ? ' style="width:80px"' : "") + hint +
      (o.placeholder ? ' placeholder="' + attr(o.placeholder) + '"' : "") +
      (o.autocomplete ? ' autocomplete="' + o.autocomplete + '"' : "") + ">";
  };
  Rows.prototype.select = function (name, options) {
    var self = this;
    return '<select id="' + this.id(name) + '" style="width:70%">' + options.map(function (v) {
      return '<option value="' + attr(v) + '" data-i18n="' + self.key(name, v) + '"></option>';
    }).join("") + "</select>";
  };
  Rows.prototype.field = function (name, icon, opts) {
    var o = opts || {};
    return this.row(this.label(name, icon) + this.input(name, o) + (o.unit ? this.unit(o.unit) : ""), o.rowClass);
  };

  /** The shared rows, by property name (the i18n keys are <type>.label.<name> of each node). */
  var ROWS = {
    delivery: function (r) {
      return r.row(r.label("delivery", "fa-check-square-o") + r.select("delivery", ["acknowledged", "sent"]));
    },
    maxInFlight: function (r) {
      return r.field("maxInFlight", "fa-tachometer", { narrow: true, unit: "events", rowClass: "vmw-row-acknowledged" });
    },
    checkpointStore: function (r) {
      return r.row(r.label("checkpointStore", "fa-database") + '<select id="' + r.id("checkpointStore") + '" style="width:70%"></select>');
    },
    checkpointPeriod: function (r) {
      return r.field("checkpointPeriod", "fa-clock-o", { narrow: true, unit: "seconds" });
    },
    insecureSSL: function (r) {
      return r.row('<label for="' + r.id("insecureSSL") + '">&nbsp;</label>' +
        '<input type="checkbox" id="' + r.id("insecureSSL") + '" style="display:inline-block; width:auto; vertical-align:top;">' +
        '<label for="' + r.id("insecureSSL") + '" style="width:auto" data-i18n="' + r.key("label", "insecureSSL") + '"></label>');
    },
    username: function (r) {
      return r.field("username", "fa-user", { autocomplete: "off" });
    },
    password: function (r) {
      return r.field("password", "fa-lock", { password: true, autocomplete: "new-password" });
    },
    timeout: function (r) {
      return r.field("timeout", "fa-clock-o", { narrow: true, unit: "seconds" });
    },
    retries: function (r) {
      return r.row(r.label("retries", "fa-repeat") + r.input("retries", { narrow: true }) + " " +
        '<span data-i18n="' + r.key("label", "backoffDelay") + '"></span> ' + r.input("backoffDelay", { narrow: true }) + r.unit("seconds"));
    },
    concurrency: function (r) {
      return r.field("concurrency", "fa-sort-amount-asc", { narrow: true, unit: "concurrencyHint" });
    },
    wrap: function (r) {
      var indent = "padding-left:20px";
      return r.row('<label style="width:auto"><i class="fa fa-cube"></i> <span data-i18n="' + r.key("label", "wrap") + '"></span></label>') +
        r.row(r.label("ceType", "", indent) + r.input("ceType", { placeholder: "org.nodered.message" })) +
        r.row(r.label("ceSource", "", indent) + r.input("ceSource"));
    },
    filter: function (r) {
      return r.row(r.label("filter", "fa-filter") + r.input("filter", { placeholder: '{"data":{"Vm":{"Name":[{"prefix":"prod-"}]}}}' })) +
        '<div class="form-tips vmw-filter-message" style="display:none"></div>';
    },
    name: function (r) {
      return r.field("name", "fa-tag");
    },
  };

  // ---- content filters: checked by the runtime's own compiler ------------------------------

  /** pattern text -> true, or the compiler's message; filled by POST vmware-events/filter */
  var filterResults = {};
  var filterPending = {};

  function checkFilter(text, done) {
    var $ = root.jQuery;
    if (Object.prototype.hasOwnProperty.call(filterResults, text)) return done && done(filterResults[text]);
    if (!$ || filterPending[text]) return;
    filterPending[text] = true;
    $.ajax({ url: "vmware-events/filter", type: "POST", contentType: "application/json", data: JSON.stringify({ filter: text }) })
      .done(function (r) { filterResults[text] = r && r.ok ? true : String((r && r.error) || "invalid filter"); })
      .fail(function () { filterResults[text] = true; }) // no runtime answer: do not block the deploy
      .always(function () {
        delete filterPending[text];
        var RED = root.RED;
        if (RED && RED.nodes && RED.editor && RED.editor.validateNode) {
          RED.nodes.eachNode(function (n) { if (n.filter === text) RED.editor.validateNode(n); });
          if (RED.view && RED.view.redraw) RED.view.redraw();
        }
        if (done) done(filterResults[text]);
      });
  }

  /** A node property validator: JSON at once, the runtime's verdict as soon as it has answered. */
  function filterCheck(v, opt) {
    if (blank(v)) return true;
    var text = String(v);
    try {
      JSON.parse(text);
    } catch (e) {
      return opt ? "filter: " + e.message : false;
    }
    if (Object.prototype.hasOwnProperty.call(filterResults, text)) {
      var r = filterResults[text];
      return r === true ? true : (opt ? r : false);
    }
    checkFilter(text);
    return true;
  }

  /** {"data":{"Vm":{"Name":[""]}}} for data.Vm.Name: a pattern to complete */
  function skeleton(path) {
    var value = [""];
    path.split(".").reverse().forEach(function (k) { var o = {}; o[k] = value; value = o; });
    return JSON.stringify(value);
  }

  function words(s) {
    return String(s || "").split(/\s+/).filter(function (w) { return w; });
  }

  function attribute(tag, name) {
    var m = new RegExp("\\s" + name + '="([^"]*)"').exec(tag);
    return m ? m[1] : "";
  }

  /**
   * The template text with every <div data-vmw-rows="a b c" ...></div> replaced by the rows of
   * properties a, b and c. Attributes of the placeholder: class (added to each row),
   * data-vmw-hints (properties whose input shows <type>.placeholder.<name>), data-vmw-prefix
   * (node-input, or node-config-input for config nodes). Throws on an unknown property so a
   * mistyped name fails in the tests, not silently in a dialog.
   */
  function expand(type, text) {
    return String(text).replace(/<div\s+data-vmw-field="[^"]*"[^>]*>\s*<\/div>/g, function (tag) {
      // one row of a node's own: <div data-vmw-field="maxAge" data-vmw-icon="fa-history" data-vmw-unit="seconds" data-vmw-narrow="true"></div>
      var name = attribute(tag, "data-vmw-field");
      var r = new Rows(type, attribute(tag, "data-vmw-prefix") || "node-input", attribute(tag, "class"), attribute(tag, "data-vmw-hint") ? [name] : []);
      var icon = attribute(tag, "data-vmw-icon");
      var options = words(attribute(tag, "data-vmw-select"));
      if (options.length > 0) return r.row(r.label(name, icon) + r.select(name, options));
      return r.field(name, icon, { narrow: !!attribute(tag, "data-vmw-narrow"), unit: attribute(tag, "data-vmw-unit") || undefined });
    }).replace(/<div\s+data-vmw-rows="[^"]*"[^>]*>\s*<\/div>/g, function (tag) {
      var r = new Rows(type, attribute(tag, "data-vmw-prefix") || "node-input", attribute(tag, "class"), words(attribute(tag, "data-vmw-hints")));
      return words(attribute(tag, "data-vmw-rows")).map(function (name) {
        if (!Object.prototype.hasOwnProperty.call(ROWS, name)) throw new Error("VMwareEvents: no shared row " + name);
        return ROWS[name](r);
      }).join("\n");
    });
  }

  /**
   * Writes the shared rows into the edit template of `type`. Called by registerType; the editor
   * inserts a node set's templates and scripts together before it runs the scripts, and a retry
   * on the next turn covers an editor that runs them first.
   */
  function template(type, retried) {
    var $ = root.jQuery;
    if (!$) return; // not in an editor (the unit tests)
    var el = $('script[data-template-name="' + type + '"]');
    if (el.length === 0) {
      if (!retried) root.setTimeout(function () { template(type, true); }, 0);
      return;
    }
    el.each(function () {
      if (this.getAttribute("data-vmw-expanded")) return;
      this.text = expand(type, this.text);
      this.setAttribute("data-vmw-expanded", "true");
    });
  }

  // ---- registration --------------------------------------------------------------------------

  var CATEGORY = "VMware events";

  /**
   * RED.nodes.registerType(type, def) with what every node of this package shares, so a node's
   * .html holds only what is its own:
   * - category "VMware events" (a config node gives category "config");
   * - paletteLabel: the type with spaces ("vcenter in");
   * - label: the node's name, else def.label (a function or text); labelStyle italic when named;
   * - a source (no input, one output) labels its output <type>.label.output; a sink (one input,
   *   two outputs) is aligned right and labels its input <type>.label.input and its outputs
   *   <type>.label.delivered and <type>.label.deadLetter;
   * - oneditprepare: prepare(node) (not for config nodes), then def.oneditprepare;
   * - the template's shared rows (template(type)).
   * Anything def sets itself wins.
   */
  function registerType(type, def) {
    var d = {};
    for (var k in def) if (Object.prototype.hasOwnProperty.call(def, k)) d[k] = def[k];
    var config = d.category === "config";
    if (!d.category) d.category = CATEGORY;
    if (!config && d.paletteLabel === undefined) d.paletteLabel = type.replace(/-/g, " ");
    var label = def.label;
    d.label = function () {
      if (this.name) return this.name;
      return typeof label === "function" ? label.call(this) : label || d.paletteLabel || type;
    };
    if (!d.labelStyle) d.labelStyle = labelStyle;
    if (!config) {
      if (d.outputs === 1 && !d.outputLabels) {
        d.outputLabels = function () { return this._(type + ".label.output"); };
      }
      if (d.inputs === 1 && d.outputs === 1 && !d.inputLabels) {
        d.inputLabels = function () { return this._(type + ".label.input"); };
      }
      if (d.inputs === 1 && d.outputs === 2) {
        if (!d.align) d.align = "right";
        if (!d.inputLabels) d.inputLabels = function () { return this._(type + ".label.input"); };
        if (!d.outputLabels) {
          d.outputLabels = function (i) { return this._(type + (i === 0 ? ".label.delivered" : ".label.deadLetter")); };
        }
      }
      var prepareOwn = def.oneditprepare;
      d.oneditprepare = function () {
        prepare(this);
        if (prepareOwn) prepareOwn.call(this);
      };
    }
    root.RED.nodes.registerType(type, d);
    template(type);
  }

  // ---- oneditprepare -------------------------------------------------------------------------

  /** The oneditprepare steps the dialogs share; each does nothing where its field is absent. */
  function prepare(node) {
    var $ = root.jQuery;
    var RED = root.RED;
    var store = $("#node-input-checkpointStore");
    if (store.length) {
      store.empty().append($("<option>").val("").text(node._(node.type + ".label.default-store")));
      var stores = (RED.settings.context && RED.settings.context.stores) || [];
      stores.forEach(function (s) { store.append($("<option>").val(s).text(s)); });
      store.val(node.checkpointStore || "");
    }
    $("#node-input-delivery").on("change", function () {
      $(".vmw-row-acknowledged").toggle($(this).val() === "acknowledged");
    }).trigger("change");
    $("#node-input-ceSource").attr("placeholder", "/node-red/" + node.type + "/" + node.id);
    prepareFilter($);
  }

  /**
   * The filter row: the runtime's verdict under the field as you type, and the field paths of the
   * selected event classes (vcenter-in) or of every CloudEvent as suggestions: typing a path
   * (not JSON) offers patterns to complete.
   */
  function prepareFilter($) {
    var input = $("#node-input-filter");
    if (!input.length) return;
    var message = input.closest(".form-row").next(".vmw-filter-message");
    var timer;
    var show = function () {
      var text = String(input.val() || "").trim();
      if (text === "" || text.charAt(0) !== "{") return message.hide();
      try {
        JSON.parse(text);
      } catch (e) {
        return message.text(e.message).css("color", "var(--red-ui-text-color-error, #c00)").show();
      }
      checkFilter(text, function (r) {
        if (String(input.val() || "").trim() !== text) return;
        if (r === true) message.hide();
        else message.text(r).css("color", "var(--red-ui-text-color-error, #c00)").show();
      });
    };
    input.on("keyup change", function () {
      clearTimeout(timer);
      timer = setTimeout(show, 300);
    });
    show();
    var classes = String($("#node-input-eventTypes-text").val() || "");
    $.getJSON("vmware-events/filter-fields", { classes: classes }, function (paths) {
      if (!Array.isArray(paths) || typeof input.autoComplete !== "function") return;
      input.autoComplete({
        search: function (value) {
          var q = String(value || "").trim();
          if (q === "" || q.charAt(0) === "{") return [];
          var lower = q.toLowerCase();
          return paths.filter(function (p) { return p.toLowerCase().indexOf(lower) !== -1; }).slice(0, 20).map(function (p) {
            return { value: skeleton(p), label: p };
          });
        },
      });
    });
  }

  root.VMwareEvents = {
    validate: { number: number, httpUrl: httpUrl, oneOf: oneOf, noSpace: noSpace },
    prop: prop,
    registerType: registerType,
    rows: Object.keys(ROWS),
    expand: expand,
    template: template,
    prepare: prepare,
  };
})(typeof window !== "undefined" ? window : this);

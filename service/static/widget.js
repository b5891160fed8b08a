/*! Hedgerow challenge widget. Plain JavaScript, no build step; see docs/widget.md.
 * Embed: <script src="https://HEDGEROW/widget.js" async defer></script>
 *        <div class="hedgerow-captcha" data-sitekey="…"></div>
 * No cookies, no storage, no inline style or script, no third-party requests. */
(function (win, doc) {
  'use strict';
  if (win.hedgerow) return;

  var HR = 'hedgerow-response', RC = 'g-recaptcha-response', CF = 'cf-turnstile-response';
  var BLANK = '\u2610';

  function findScript() {
    var all = doc.getElementsByTagName('script');
    for (var i = all.length - 1; i >= 0; i--) {
      if (/\/(widget|recaptcha\/api)\.js([?#]|$)/.test(all[i].src)) return all[i];
    }
  }
  var script = doc.currentScript || findScript();
  var src = new URL(script ? script.src : 'widget.js', location.href);
  // Also loaded as /recaptcha/api.js, the path django-recaptcha builds from one domain;
  // either way the service lives where the script's path starts (a proxy's prefix too).
  var BASE = src.origin + src.pathname.replace(/(\/recaptcha\/api\.js|\/[^/]*)$/, '');
  function param(name) { return src.searchParams.get(name); }

  // Per language: title|verify|solved|wrong|expired|error|retry|empty|+|−|×|=|☐|before|after|
  // wait|setup|busy|again|other ('+' to 'after' speak the question: "27 minus what equals
  // 21?"; setup: the page or key is not registered, busy: rate limited, again: any other
  // refusal; other: the way without arithmetic).
  var KEYS = ['title', 'verify', 'solved', 'wrong', 'expired', 'error', 'retry', 'empty',
    '+', '\u2212', '\u00d7', '=', BLANK, 'pre', 'post', 'wait', 'setup', 'busy', 'again',
    'other'];
  var LANG = {
    en: 'Fill in the missing number|Verify|Verified \u2014 thank you.|Not quite. Here is a new one.|Time ran out. Here is a new one.|The check could not load.|Try again|Type the missing number.|plus|minus|times|equals|what||?|Checking your browser\u2026|This check is not set up for this page. Please tell the site\u2019s owner.|Too many attempts. Please wait a moment, then try again.|That did not work. Here is a new one.|Verify another way',
    de: 'Ergänzen Sie die fehlende Zahl|Prüfen|Bestätigt \u2014 danke.|Leider falsch. Hier ist eine neue Aufgabe.|Die Zeit ist abgelaufen. Hier ist eine neue Aufgabe.|Die Prüfung konnte nicht geladen werden.|Erneut versuchen|Bitte die fehlende Zahl eingeben.|plus|minus|mal|ergibt|wie viel||?|Browser wird geprüft\u2026|Die Prüfung ist für diese Seite nicht eingerichtet. Bitte sagen Sie dem Betreiber Bescheid.|Zu viele Versuche. Bitte warten Sie kurz und versuchen Sie es dann erneut.|Das hat nicht geklappt. Hier ist eine neue Aufgabe.|Auf andere Weise prüfen',
    fr: 'Complétez le nombre manquant|Vérifier|Vérifié \u2014 merci.|Pas tout à fait. Voici une nouvelle question.|Le temps est écoulé. Voici une nouvelle question.|La vérification n\u2019a pas pu se charger.|Réessayer|Saisissez le nombre manquant.|plus|moins|fois|égale|combien||\u00a0?|Vérification du navigateur\u2026|La vérification n\u2019est pas configurée pour cette page. Merci de prévenir le responsable du site.|Trop de tentatives. Patientez un instant, puis réessayez.|Cela n\u2019a pas fonctionné. Voici une nouvelle question.|Vérifier autrement',
    es: 'Completa el número que falta|Verificar|Verificado, gracias.|No es correcto. Aquí tienes otra.|Se acabó el tiempo. Aquí tienes otra.|No se pudo cargar la verificación.|Reintentar|Escribe el número que falta.|más|menos|por|es igual a|cuánto|¿|?|Comprobando el navegador\u2026|La verificación no está configurada para esta página. Avisa al responsable del sitio.|Demasiados intentos. Espera un momento y vuelve a intentarlo.|No ha funcionado. Aquí tienes otra.|Verificar de otra forma',
    pt: 'Complete o número que falta|Verificar|Verificado, obrigado.|Não está certo. Aqui vai outra.|O tempo acabou. Aqui vai outra.|Não foi possível carregar a verificação.|Tentar de novo|Digite o número que falta.|mais|menos|vezes|é igual a|quanto||?|Verificando o navegador\u2026|A verificação não está configurada para esta página. Avise o responsável pelo site.|Tentativas demais. Aguarde um momento e tente de novo.|Não funcionou. Aqui vai outra.|Verificar de outra forma',
    it: 'Completa il numero mancante|Verifica|Verificato, grazie.|Non è corretto. Eccone un\u2019altra.|Tempo scaduto. Eccone un\u2019altra.|Impossibile caricare la verifica.|Riprova|Scrivi il numero mancante.|più|meno|per|fa|quanto||?|Verifica del browser\u2026|La verifica non è configurata per questa pagina. Avvisa il gestore del sito.|Troppi tentativi. Attendi un momento, poi riprova.|Non ha funzionato. Eccone un\u2019altra.|Verifica in altro modo',
    nl: 'Vul het ontbrekende getal in|Controleren|Gelukt, bedankt.|Niet juist. Hier is een nieuwe.|De tijd is om. Hier is een nieuwe.|De controle kon niet worden geladen.|Opnieuw proberen|Typ het ontbrekende getal.|plus|min|keer|is|hoeveel||?|Browser wordt gecontroleerd\u2026|De controle is niet ingesteld voor deze pagina. Laat het de beheerder van de site weten.|Te veel pogingen. Wacht even en probeer het dan opnieuw.|Dat lukte niet. Hier is een nieuwe.|Op een andere manier controleren',
    pl: 'Uzupełnij brakującą liczbę|Sprawdź|Zweryfikowano, dziękujemy.|Niepoprawnie. Oto nowe zadanie.|Czas minął. Oto nowe zadanie.|Nie udało się wczytać weryfikacji.|Spróbuj ponownie|Wpisz brakującą liczbę.|plus|minus|razy|równa się|ile||?|Sprawdzanie przeglądarki\u2026|Weryfikacja nie jest skonfigurowana dla tej strony. Powiadom właściciela witryny.|Zbyt wiele prób. Odczekaj chwilę i spróbuj ponownie.|Nie udało się. Oto nowe zadanie.|Zweryfikuj w inny sposób'
  };

  function strings(el, wanted) {
    var code = String(wanted || param('hl') || (el.closest('[lang]') || doc.documentElement).lang || '')
      .toLowerCase().split(/[-_]/)[0];
    var list = (LANG[code] || LANG.en).split('|'), out = {};
    KEYS.forEach(function (key, i) { out[key] = list[i]; });
    return out;
  }

  function make(tag, cls, text) {
    var el = doc.createElement(tag);
    if (cls) el.className = 'hr-' + cls;
    if (text) el.textContent = text;
    return el;
  }

  // Resolves to the parsed JSON of a 2xx answer (or of a /v1/solve refusal that carries
  // a fresh challenge); rejects with the JSON error body, given its HTTP status and
  // Retry-After as .status and .wait, or with the network error.
  function call(path, body, file) {
    return fetch(BASE + path, {
      method: body ? 'POST' : 'GET', body: body || null, credentials: 'omit',
      cache: file ? 'default' : 'no-store', referrerPolicy: 'no-referrer'
    }).then(function (r) {
      if (file) return r.blob().then(function (b) { return URL.createObjectURL(b); });
      return r.json().then(function (j) {
        if (r.ok || j.challenge) return j;
        j.status = r.status;
        j.wait = +r.headers.get('Retry-After') || 0;
        throw j;
      }, function () { throw new Error('HTTP ' + r.status); });
    });
  }

  // Proof of work. Browsers start workers only from the page's own origin or from blob:
  // URLs (which strict CSPs forbid), so across origins the main thread solves it in short
  // slices, unless the page allows blob: workers and asks for one (?worker=blob).
  var POW = BASE + '/pow-worker.js', own = src.origin === location.origin;
  var worker = own || param('worker') === 'blob', solver, blob;

  // Starts on challenge c's puzzle; job.p resolves to the counter ('' without one).
  function work(c) {
    var p = c.pow, job = {};
    job.p = new Promise(function (ok, no) {
      function slices() {
        worker = false;
        (solver = solver || new Promise(function (loaded, failed) {
          var s = make('script');
          s.src = POW;
          s.onload = function () { loaded(s.search); };
          s.onerror = function (e) {
            solver = null;
            failed(e);
          };
          doc.head.append(s);
        })).then(function (search) {
          var n = 0, k = 1024;
          (function step() {
            if (job.off) return;
            var t = Date.now(), r = search(p.salt, p.difficulty, n, k);
            if (r >= 0) return ok(r);
            n += k;
            // Slices of about 10 ms keep the page responsive, even on slow phones.
            if (Date.now() - t < 10 && k < 65536) k *= 2;
            setTimeout(step, 0);
          })();
        }, no);
      }
      if (!p) return ok('');
      if (!worker) return slices();
      (own ? Promise.resolve(POW) : blob = blob || call('/pow-worker.js', 0, 1)).then(function (url) {
        var w = job.w = new Worker(url);
        w.onmessage = function (e) { ok(e.data); };
        w.onerror = function (e) {
          e.preventDefault();
          slices();
        };
        w.postMessage(p);
        if (job.off) w.terminate();
      }).catch(slices);
    });
    job.stop = function () {
      job.off = 1;
      if (job.w) job.w.terminate();
    };
    job.p.then(function () {
      job.done = 1;
      job.stop();
    }, function () {});
    return job;
  }

  // Why a call failed, as the key of the words shown: the page or key is not registered
  // (retrying cannot help), a budget is spent, or anything else (the network included).
  function reason(e) {
    var code = e && e['error-codes'] ? e['error-codes'][0] : '';
    if (/^(origin-not-allowed|(missing|invalid)-input-sitekey)$/.test(code)) return 'setup';
    return e && e.status === 429 ? 'busy' : 'error';
  }

  var link = make('link');
  link.rel = 'stylesheet';
  link.href = BASE + '/widget.css';
  // The honeypot is added only once the stylesheet that moves it off screen is in.
  var styled = new Promise(function (ok) { link.onload = ok; });
  (doc.head || doc.documentElement).append(link);

  var widgets = [];
  function find(id) {
    return id == null ? widgets.filter(Boolean)[0] : widgets[id];
  }

  /** Render a challenge into `el`; returns the widget id. */
  function render(el, opts, fieldName) {
    if (typeof el === 'string') el = doc.getElementById(el);
    if (!el || !el.appendChild) throw new Error('hedgerow.render: no such element');
    for (var i = 0; i < widgets.length; i++) if (widgets[i] && widgets[i].el === el) return i;
    opts = opts || {};
    var data = el.dataset, id = widgets.length, uid = 'hedgerow-' + id;
    function opt(key) {
      var camel = key.replace(/-(\w)/g, function (m, c) { return c.toUpperCase(); });
      var v = opts[key] != null ? opts[key] : opts[camel] != null ? opts[camel] : data[camel];
      return /callback$/.test(key) && typeof v === 'string' ? win[v] : v;
    }
    var cls = el.classList;
    fieldName = fieldName || (cls.contains('g-recaptcha') ? RC : cls.contains('cf-turnstile') ? CF : HR);
    var theme = opt('theme');
    var L = strings(el, opt('language') || opt('hl'));
    var ch = null, last = '', resp = '', deadline = 0, timer = 0, busy = false, said = 0, job = null;
    // '&mode=work' once the visitor chose the way without arithmetic (WCAG 2.2 SC 3.3.8).
    var way = '';

    var box = make('div', 'w hr-' + (/^(light|dark)$/.test(theme) ? theme : 'auto'));
    var title = make('div', 't', L.title);
    var flex = make('div', 'f');
    var row = make('div', 'q');
    var input = make('input', 'i');
    var btn = make('button', 'b', L.verify);
    var retry = make('button', 'b', L.retry);
    var other = make('button', 'a', L.other);
    var bar = make('progress');
    var status = make('div', 's');
    var field = make(fieldName === RC ? 'textarea' : 'input');
    var trap = make('input', 'hp');

    title.id = uid + '-title';
    box.setAttribute('role', 'group');
    box.setAttribute('aria-labelledby', title.id);
    input.type = 'text';
    input.inputMode = 'numeric';
    input.autocomplete = 'off';
    input.spellcheck = false;
    input.maxLength = 8;
    input.setAttribute('autocapitalize', 'off');
    btn.type = retry.type = other.type = 'button';
    bar.setAttribute('aria-label', L.wait);
    retry.hidden = true;
    status.id = uid + '-status';
    status.tabIndex = -1;
    status.setAttribute('role', 'status');
    status.setAttribute('aria-live', 'polite');
    field.name = fieldName;
    field.hidden = true;
    if (fieldName === RC) {
      if (!doc.getElementById(RC)) field.id = RC;
    } else {
      field.type = 'hidden';
    }
    // A honeypot: people never see or reach it, form-filling bots tend to fill it in.
    trap.name = 'hedgerow-hp';
    trap.type = 'text';
    trap.tabIndex = -1;
    trap.autocomplete = 'off';
    trap.setAttribute('aria-hidden', 'true');
    flex.append(row, btn, retry, other);
    box.append(title, flex, status);
    el.append(box, field);
    styled.then(function () { if (widgets[id]) el.append(trap); });

    // now: the message is to be focused at once, and is read out as focus lands on it.
    function say(msg, kind, now) {
      var n = ++said;
      status.className = 'hr-s' + (kind ? ' hr-' + kind : '');
      status.textContent = now ? msg : '';
      // Set apart from the clearing, so a repeated message is announced again.
      if (msg && !now) setTimeout(function () { if (n === said) status.textContent = msg; }, 40);
    }
    function fire(name, arg) {
      var f = opt(name);
      if (typeof f === 'function') f(arg);
    }
    function arm(seconds, then) {
      clearTimeout(timer);
      // Expire a little early: the clock started on the server, a round trip ago.
      var ms = seconds * 900;
      deadline = Date.now() + ms;
      if (ms > 0) timer = setTimeout(then, ms);
    }
    function focused() { return box.contains(doc.activeElement); }

    function drop() {
      if (job) job.stop();
      job = null;
    }

    function load(msg, focus) {
      clearTimeout(timer);
      drop();
      ch = null;
      busy = true;
      box.setAttribute('aria-busy', 'true');
      // The last token continues its chain: the fill time counts from the first render.
      return call('/v1/challenge?sitekey=' + encodeURIComponent(opt('sitekey') || '') +
        (last ? '&previous=' + encodeURIComponent(last) : '') + way)
        .then(function (c) { show(c, msg, focus); }, function (e) { fail(e, focus); });
    }

    function show(c, msg, focus) {
      var words = [];
      focus = focus || doc.activeElement === input;
      drop();
      ch = c;
      last = c.token;
      // Start on the puzzle at once, while the person reads the question.
      job = work(c);
      busy = false;
      box.removeAttribute('aria-busy');
      row.textContent = '';
      // The other way has no question: the puzzle's progress, then the answer goes by itself.
      if (c.mode) row.append(bar);
      else String(c.prompt).split(' ').forEach(function (token) {
        words.push(L[token] || token);
        if (token === BLANK) {
          row.append(input);
        } else {
          row.append(make('span', /\d/.test(token) ? 'n' : 'o', token));
        }
      });
      // The spans only draw the question; the input's name speaks all of it.
      row.querySelectorAll('span').forEach(function (s) { s.setAttribute('aria-hidden', 'true'); });
      input.setAttribute('aria-label', L.pre + words.join(' ') + L.post);
      input.value = '';
      input.removeAttribute('aria-invalid');
      flex.hidden = row.hidden = false;
      retry.hidden = true;
      btn.hidden = other.hidden = !!c.mode;
      say(msg, msg && 'bad');
      arm(c.expires_in, function () { load(L.expired, focused()); });
      if (c.mode) send(c, '', focus);
      else if (focus) input.focus();
    }

    function verify() {
      if (busy || !ch) return;
      var answer = input.value.trim().replace(/^[\u2212\u2013]/, '-');
      if (!/^-?\d{1,7}$/.test(answer)) {
        input.setAttribute('aria-invalid', 'true');
        say(L.empty, 'bad');
        input.focus();
        return;
      }
      send(ch, answer);
    }

    // Sends challenge c's answer ('' the other way) with its puzzle's counter once found.
    function send(c, answer, focus) {
      if (Date.now() > deadline) return load(L.expired, true);
      busy = true;
      if (!job.done || !answer) say(L.wait, 'wait', focus);
      if (focus) status.focus();
      job.p.then(function (n) {
        // The challenge ran out, or was replaced, while the work went on.
        if (c !== ch) return;
        var body = new URLSearchParams();
        body.set('token', c.token);
        if (answer) body.set('answer', answer);
        if (n !== '') body.set('pow', n);
        return call('/v1/solve', body);
      }).then(function (r) {
        if (!r) return;
        if (r.success) return solved(r);
        var code = r['error-codes'][0], msg = code === 'wrong-answer' ? L.wrong
          : code === 'timeout-or-duplicate' ? L.expired : L.again;
        if (r.challenge) show(r.challenge, msg, true);
        else load(msg, true);
      }, function (e) {
        // A token the service could not read (400) is replaced once; a refused page or
        // key, a spent budget or an outage is said as such, never retried by itself.
        if (e && e.status === 400 && reason(e) === 'error') load(L.again, true);
        else fail(e, true);
      });
    }

    function solved(r) {
      var focus = focused();
      busy = false;
      resp = field.value = r.response;
      flex.hidden = true;
      say(L.solved, 'ok', focus);
      if (focus) status.focus();
      arm(r.expires_in, expire);
      fire('callback', resp);
    }

    function expire() {
      resp = field.value = '';
      load(L.expired, focused());
      fire('expired-callback');
    }

    function fail(e, focus) {
      var why = reason(e), codes = e && e['error-codes'];
      busy = false;
      box.removeAttribute('aria-busy');
      if (win.console) {
        console.warn('Hedgerow: ' + (codes ? codes[0] + ': ' : '') + ((e && e.message) || e));
      }
      row.hidden = btn.hidden = retry.hidden = other.hidden = true;
      flex.hidden = false;
      clearTimeout(timer);
      // Try again comes back once the service's wait is over; never for a setup error.
      if (why === 'error') retry.hidden = false;
      if (why === 'busy') {
        timer = setTimeout(function () { retry.hidden = false; }, (e.wait || 5) * 1000);
      }
      say(L[why], 'bad', focus && why !== 'error');
      if (focus) (why === 'error' ? retry : status).focus();
      fire('error-callback');
    }

    input.addEventListener('keydown', function (e) {
      // Enter checks the answer; it must not submit the page's form.
      if (e.key === 'Enter') {
        e.preventDefault();
        verify();
      }
    });
    input.addEventListener('input', function () { input.removeAttribute('aria-invalid'); });
    btn.addEventListener('click', verify);
    retry.addEventListener('click', function () { load('', true); });
    other.addEventListener('click', function () {
      way = '&mode=work';
      load('', true);
    });

    widgets[id] = {
      el: el,
      get: function () { return resp && Date.now() <= deadline ? resp : ''; },
      reset: function () {
        resp = field.value = '';
        load('', false);
      },
      focus: function () { input.focus(); },
      remove: function () {
        clearTimeout(timer);
        drop();
        box.remove();
        field.remove();
        trap.remove();
        widgets[id] = null;
      }
    };
    load('', false);
    return id;
  }

  function api(fieldName) {
    function each(name) {
      return function (id) { var w = find(id); if (w) w[name](); };
    }
    return {
      render: function (el, opts) { return render(el, opts, fieldName); },
      reset: each('reset'),
      remove: each('remove'),
      getResponse: function (id) { var w = find(id); return w ? w.get() : ''; },
      ready: function (f) { Promise.resolve().then(f); },
      // There is no invisible mode: execute shows the challenge and resolves to the
      // current response ('' until the visitor has answered).
      execute: function (id) {
        var w = find(typeof id === 'number' ? id : null);
        if (w && !w.get()) w.focus();
        return Promise.resolve(w ? w.get() : '');
      }
    };
  }

  var sel = ['.hedgerow-captcha'];
  win.hedgerow = api();
  if (!win.grecaptcha) {
    win.grecaptcha = api(RC);
    sel.push('.g-recaptcha');
  }
  if (!win.turnstile) {
    win.turnstile = api(CF);
    sel.push('.cf-turnstile');
  }

  function start() {
    if (param('render') !== 'explicit') {
      doc.querySelectorAll(sel.join()).forEach(function (el) { render(el); });
    }
    var onload = win[param('onload')];
    if (typeof onload === 'function') onload();
  }
  if (doc.readyState === 'loading') doc.addEventListener('DOMContentLoaded', start);
  else start();
})(window, document);

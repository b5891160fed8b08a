/*! Hedgerow proof of work: the first n with SHA-256(salt ":" n) starting with `difficulty`
 * zero bits. Worker: postMessage({salt, difficulty}) → n. Script: search() in slices. */
(function (g) {
  'use strict';
  var K = [], H = [], W = new Int32Array(64), S = new Int32Array(8), seen = {}, p, k, q;
  // FIPS 180-4's constants are fraction bits of the roots of the first primes; computing
  // them takes fewer bytes than listing them.
  for (p = 2, k = 0; k < 64; p++) {
    if (!seen[p]) {
      for (q = p * p; q < 320; q += p) seen[q] = 1;
      if (k < 8) H[k] = Math.sqrt(p) * 4294967296 | 0;
      K[k++] = Math.cbrt(p) * 4294967296 | 0;
    }
  }
  function r(x, n) { return x >>> n | x << 32 - n; }

  function block(m, o) {
    var a = S[0], b = S[1], c = S[2], d = S[3], e = S[4], f = S[5], i = S[6], h = S[7], t, x;
    for (t = 0; t < 64; t++) {
      W[t] = t < 16 ? m[o++] << 24 | m[o++] << 16 | m[o++] << 8 | m[o++]
        : (r(x = W[t - 15], 7) ^ r(x, 18) ^ x >>> 3) + (r(x = W[t - 2], 17) ^ r(x, 19) ^ x >>> 10) +
          W[t - 7] + W[t - 16] | 0;
      x = h + (r(e, 6) ^ r(e, 11) ^ r(e, 25)) + (e & f ^ ~e & i) + K[t] + W[t] | 0;
      h = i; i = f; f = e; e = d + x | 0; d = c; c = b; b = a;
      a = x + (r(b, 2) ^ r(b, 13) ^ r(b, 22)) + (b & c ^ b & d ^ c & d) | 0;
    }
    S[0] += a; S[1] += b; S[2] += c; S[3] += d; S[4] += e; S[5] += f; S[6] += i; S[7] += h;
  }

  function search(salt, bits, from, count) {
    var pre = new TextEncoder().encode(salt + ':'), p = pre.length, m = new Uint8Array(p + 82 & ~63);
    var n = from, end = Math.min(from + count, 4294967296), s, i, len, size, z, c;
    for (m.set(pre); n < end; n++) {
      s = '' + n;
      len = p + s.length;
      size = len + 72 & ~63;
      for (i = 0; i < s.length; i++) m[p + i] = s.charCodeAt(i);
      m.fill(0, len);
      m[len] = 128;
      m[size - 3] = len >>> 13;
      m[size - 2] = len >>> 5;
      m[size - 1] = len << 3;
      S.set(H);
      for (i = 0; i < size; i += 64) block(m, i);
      for (z = i = 0; i < 8 && (z += c = Math.clz32(S[i])) && c > 31; i++);
      if (z >= bits) return n;
    }
    return -1;
  }

  if (g.document) document.currentScript.search = search;
  else g.onmessage = function (e) { g.postMessage(search(e.data.salt, e.data.difficulty, 0, 4294967296)); };
})(self);

// The application form: client-side checks that mirror the server's rules (the
// server stays authoritative), an upload with progress, then the booking.
"use strict";

(function () {
  const form = document.getElementById("apply-form");
  if (!form) return;
  const $ = (id) => document.getElementById(id);
  // The server fills in its limit, in bytes and as the words the form shows.
  const maxBytes = Number(form.dataset.maxBytes);
  const maxSize = $("max-size").textContent;
  const timeZone = (Intl.DateTimeFormat().resolvedOptions().timeZone) || "";
  // The router's root, wherever it is mounted: the page says how to get there.
  const base = new URL(`${document.body.dataset.base || "."}/`, location.href);

  // The page's language (the position's): dates read as its candidates write them.
  const lang = document.documentElement.lang || undefined;

  // ---- set-up -------------------------------------------------------------
  for (let h = 1; h <= 12; h++) $("hour").add(new Option(String(h), String(h)));
  for (let m = 0; m < 60; m += 5) {
    const text = String(m).padStart(2, "0");
    $("minute").add(new Option(text, text));
  }
  // Default: the next whole hour, today or tomorrow.
  const next = new Date(Date.now() + 60 * 60 * 1000);
  next.setMinutes(0, 0, 0);
  $("date").value = isoDate(next);
  $("date").min = isoDate(new Date());
  $("hour").value = String(((next.getHours() + 11) % 12) + 1);
  $("minute").value = "00";
  $("ampm").value = next.getHours() < 12 ? "AM" : "PM";
  // The zone by its local name ("India Standard Time"), which can change with the
  // date (summer time), and its IANA id.
  function showZone() {
    if (!timeZone) return;
    const local = localDateTime();
    const when = local ? new Date(local) : new Date();
    const name = zoneName(Number.isNaN(when.getTime()) ? new Date() : when);
    $("zone-name").textContent = name && name !== timeZone ? `${name} (${timeZone})` : timeZone;
  }
  showZone();
  for (const id of ["date", "hour", "minute", "ampm"]) $(id).addEventListener("change", showZone);

  // ---- rules (kept in step with interview-core's domain types) -------------
  const NAME_CHARS = /^[\p{L}\p{M} '\u2019\u02BC\u2010-]+$/u;
  const EMAIL = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*@([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;

  function checkName(value) {
    const name = value.normalize("NFC").trim().split(/\s+/).join(" ");
    if (!name) return "Please enter your name.";
    if ([...name].length > 100) return "Name must be at most 100 characters.";
    if (!NAME_CHARS.test(name)) return "Name may contain only letters, spaces, hyphens and apostrophes.";
    if (!/^\p{L}/u.test(name)) return "Name must start with a letter.";
    return "";
  }
  function checkEmail(value) {
    const email = value.trim();
    if (!email) return "Please enter your e-mail address.";
    if (email.length > 254 || !EMAIL.test(email) || email.split("@")[0].length > 64 || /\.\d+$/.test(email)) {
      return "Please enter a valid e-mail address.";
    }
    return "";
  }
  // The server is the authority (it knows every country's numbering plan); this
  // catches what is plainly wrong, in the server's words.
  const PHONE_REGION = form.dataset.phoneRegion || "US";
  const PHONE_SHORTEST = Number(form.dataset.phoneShortest) || 1;
  function checkPhone(value) {
    const text = value.trim();
    const plus = text.startsWith("+");
    const rest = plus ? text.slice(1) : text;
    if (!/^[0-9 .\-()\/]*$/.test(rest)) return "Phone number may contain only digits, spaces, a leading + and ( ) - . /";
    const digits = rest.replace(/[^0-9]/g, "");
    if (!digits) return "Please enter your phone number.";
    const international = plus || digits.startsWith("00");
    const hint = international ? "" : " If the number is from another country, start with + and the country code, for example +44 20 7946 0958.";
    const significant = plus ? digits : digits.startsWith("00") ? digits.slice(2) : digits;
    if (value.length > 40 || significant.length > 17) return `This phone number is too long.${hint}`;
    if (significant.length < (international ? 7 : PHONE_SHORTEST)) return `This phone number is too short.${hint}`;
    return "";
  }
  function checkResume(file) {
    if (!file) return "Please choose a resume file to upload.";
    if (!/\.(pdf|docx?)$/i.test(file.name)) return "Please upload a PDF, DOC or DOCX document.";
    if (file.size === 0) return "The resume file is empty.";
    if (file.size > maxBytes) return `The file is too large; the limit is ${maxSize}.`;
    return "";
  }
  function localDateTime() {
    const date = $("date").value;
    if (!date) return null;
    let hour = Number($("hour").value) % 12;
    if ($("ampm").value === "PM") hour += 12;
    return `${date}T${String(hour).padStart(2, "0")}:${$("minute").value}`;
  }
  function checkDateTime(local) {
    if (!local) return "Please choose a date and time for the interview.";
    const when = new Date(local); // read in the browser's zone, as the server will with timeZone
    if (Number.isNaN(when.getTime())) return "Please choose a valid date and time.";
    if (when.getTime() < Date.now() + 60 * 1000) return "The interview must be at least 1 minute in the future.";
    return "";
  }

  // ---- error display --------------------------------------------------------
  const FIELD_INPUT = { name: "name", email: "email", phone: "phone", resume: "resume", datetime: "date", timeZone: "date", resumeUrl: "resume", resumeText: "resume" };
  function setFieldError(field, message) {
    const target = $(`${field}-error`) || $(`${FIELD_INPUT[field]}-error`);
    if (target) target.textContent = message;
    const input = $(FIELD_INPUT[field] || field);
    if (input) input.setAttribute("aria-invalid", message ? "true" : "false");
  }
  function clearErrors() {
    for (const el of document.querySelectorAll(".field-error")) el.textContent = "";
    for (const el of form.querySelectorAll("[aria-invalid]")) el.setAttribute("aria-invalid", "false");
    $("form-error").textContent = "";
  }
  function focusFirstError() {
    const first = [...document.querySelectorAll(".field-error")].find((el) => el.textContent);
    if (!first) return;
    const field = first.id.replace(/-error$/, "");
    // A field without an input (the position) takes the focus on its message.
    const input = $(FIELD_INPUT[field] || field) || first;
    input.focus();
  }
  function showServerError(body, status) {
    const error = body && body.error;
    if (error && Array.isArray(error.fields) && error.fields.length) {
      for (const f of error.fields) setFieldError(f.field, f.message);
    } else if (error && error.field) {
      setFieldError(error.field, error.message);
    } else if (status === 503) {
      $("form-error").textContent = "The service is temporarily unavailable. Please try again in a few minutes.";
    } else {
      $("form-error").textContent = (error && error.message) || "Something went wrong. Please try again.";
    }
    focusFirstError();
    if ($("form-error").textContent) $("form-error").focus?.();
  }

  // Re-check a field when the candidate leaves it.
  const live = {
    name: () => setFieldError("name", checkName($("name").value)),
    email: () => setFieldError("email", checkEmail($("email").value)),
    phone: () => setFieldError("phone", checkPhone($("phone").value)),
    resume: () => setFieldError("resume", checkResume($("resume").files[0])),
  };
  for (const [id, check] of Object.entries(live)) $(id).addEventListener(id === "resume" ? "change" : "blur", check);

  // ---- submit ----------------------------------------------------------------
  function setBusy(busy, text) {
    $("submit").disabled = busy;
    $("status").textContent = text || "";
    form.setAttribute("aria-busy", busy ? "true" : "false");
  }

  function upload(file) {
    return new Promise((resolve) => {
      const xhr = new XMLHttpRequest();
      const data = new FormData();
      data.append("resume", file);
      $("progress").hidden = false;
      $("upload-progress").value = 0;
      xhr.upload.addEventListener("progress", (event) => {
        if (event.lengthComputable) {
          const percent = Math.round((event.loaded / event.total) * 100);
          $("upload-progress").value = percent;
          $("progress-label").textContent = `Uploading resume… ${percent}%`;
        }
      });
      xhr.addEventListener("load", () => {
        let body = null;
        try { body = JSON.parse(xhr.responseText); } catch (_) { /* not JSON */ }
        resolve({ status: xhr.status, body });
      });
      xhr.addEventListener("error", () => resolve({ status: 0, body: null }));
      xhr.open("POST", new URL("api/upload-resume", base));
      xhr.send(data);
    });
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearErrors();
    const file = $("resume").files[0];
    const local = localDateTime();
    const errors = {
      name: checkName($("name").value),
      email: checkEmail($("email").value),
      phone: checkPhone($("phone").value),
      resume: checkResume(file),
      datetime: checkDateTime(local),
    };
    let ok = true;
    for (const [field, message] of Object.entries(errors)) {
      setFieldError(field, message);
      if (message) ok = false;
    }
    if (!ok) { focusFirstError(); return; }

    setBusy(true, "Uploading your resume…");
    const uploaded = await upload(file);
    $("progress").hidden = true;
    if (uploaded.status !== 200) {
      setBusy(false);
      if (uploaded.status === 0) {
        $("form-error").textContent = "The upload failed. Please check your connection and try again.";
      } else {
        showServerError(uploaded.body, uploaded.status);
      }
      return;
    }

    setBusy(true, "Booking your interview…");
    let response, body = null;
    try {
      response = await fetch(new URL("api/schedule-interview", base), {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({
          name: $("name").value,
          email: $("email").value,
          phone: $("phone").value,
          datetime: local,
          timeZone,
          resumeUrl: uploaded.body.resumeUrl,
          resumeText: uploaded.body.resumeText,
          // The position this page is for; left out on the default position's form.
          position: form.dataset.position || undefined,
        }),
      });
      body = await response.json().catch(() => null);
    } catch (_) {
      setBusy(false);
      $("form-error").textContent = "We could not reach the server. Please check your connection and try again.";
      return;
    }
    setBusy(false);
    if (!response.ok || !body || !body.ok) {
      showServerError(body, response.status);
      return;
    }
    showSuccess(body, uploaded.body);
  });

  function showSuccess(booking, uploaded) {
    $("form-section").hidden = true;
    for (const el of document.querySelectorAll(".description")) el.hidden = true;
    if (booking.positionTitle) {
      $("booked-position").textContent = booking.company
        ? `${booking.positionTitle} at ${booking.company}`
        : booking.positionTitle;
    }
    const when = describeTime(booking.scheduledAt, booking.timeZone || timeZone);
    $("booked-time").textContent = when;
    // A server that does not say when: no empty row.
    $("booked-time").hidden = $("booked-time").previousElementSibling.hidden = !when;
    const link = $("interview-link");
    link.href = booking.interviewUrl;
    link.textContent = booking.interviewUrl;
    $("email-status").textContent = booking.emailSent
      ? `We sent the link to ${$("email").value.trim()}.`
      : "We could not send the e-mail right now, so please save this link.";
    $("extraction-warning").textContent = uploaded.extractionError
      ? `We stored your resume but could not read its text (${uploaded.extractionError}). The interviewer will not see it.`
      : "";
    $("success").hidden = false;
    $("success-title").focus();
  }

  // "Saturday, March 2, 2030 at 2:30 PM India Standard Time": the booked start in
  // the candidate's zone, named as people there name it.
  function describeTime(iso, zone) {
    const when = new Date(iso);
    if (!iso || Number.isNaN(when.getTime())) return "";
    const options = {
      weekday: "long", day: "numeric", month: "long", year: "numeric",
      hour: "numeric", minute: "2-digit", timeZoneName: "long",
    };
    try {
      return new Intl.DateTimeFormat(lang, zone ? { ...options, timeZone: zone } : options).format(when);
    } catch (_) {
      // A zone this browser does not know: its own zone, still named.
      return new Intl.DateTimeFormat(lang, options).format(when);
    }
  }
  function zoneName(when) {
    try {
      const parts = new Intl.DateTimeFormat(lang, { timeZone, timeZoneName: "long" }).formatToParts(when);
      const part = parts.find((p) => p.type === "timeZoneName");
      return part ? part.value : "";
    } catch (_) {
      return "";
    }
  }

  function isoDate(d) {
    return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, "0")}-${String(d.getDate()).padStart(2, "0")}`;
  }
})();

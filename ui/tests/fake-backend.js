// The shell, faked for browser tests: answers commands from fixtures that the real
// commands gave over a demo store (src-tauri/examples/ui-fixtures.rs, keyed by
// command), records each call, and rejects with {code, field?, message} the way the
// shell does. It decides no rule of the engine: where a test needs a refusal, the test
// asks for the real command's, kept in the fixtures (`window.__refuseNext`). `known` is the generated list of commands the shell registers (and the
// plugin commands it grants): any other name is refused as the shell refuses it, and
// tests/commands.test.mjs fails if a handler here answers one.
export function installFakeBackend({ fixtures, mode, known }) {
  const calls = [];
  window.__calls = calls;
  // Events from the shell: the UI's listeners, and a way for a test to send one.
  const callbacks = new Map();
  const listeners = [];
  window.__emit = (event, payload) => {
    for (const l of listeners) if (l.event === event) callbacks.get(l.handler)?.({ event, id: 0, payload });
  };
  // With __holdImport set, board_import answers only when the test calls __finishImport.
  let finishImport = () => {};
  window.__finishImport = () => finishImport();
  let storeExists = mode !== "first-run" && mode !== "board";
  const boardExists = mode === "board";
  let unlocked = mode === "unlocked" || mode === "board";
  let draft = mode === "with-draft" ? JSON.stringify({ summary: "Draft kept from before the crash.", agreed: "" }) : null;
  if (mode === "with-draft") unlocked = true;
  // Trust: what the fixtures' real commands did, followed as the UI drives it.
  let bundleInstalled = false;
  let cardAdded = false;
  const accepted = [];
  const revoked = {};
  const fail = (code, message, field) => {
    throw field ? { code, field, message } : { code, message };
  };
  // The shell closes the store behind the UI's back (as auto-lock in another window
  // would): every command that needs it answers store.locked.
  window.__lockBehindTheUi = () => {
    unlocked = false;
  };
  const withoutStore = ["app_status", "new_passphrase", "create_store", "unlock", "lock", "open_demo", "protocols", "ui_ready"];
  const status = () => ({
    store_exists: storeExists,
    board_exists: boardExists,
    kind: unlocked ? (mode === "board" ? "board" : "lead") : null,
    unlocked,
    demo: false,
    profile: unlocked ? fixtures.app_status.profile : null,
    notices: [],
    data_dir: "/home/lead/.local/share/escalate",
  });

  const handlers = {
    app_status: () => status(),
    new_passphrase: () => "ABCDE-FGHJK-MNPQR-STUVW-XYZ23-45678-9ABCD-EFGHJ",
    create_store: (a) => {
      if (a.passphrase !== a.confirm)
        fail("field.invalid", "confirm: does not match the recovery passphrase shown: type it again exactly as you wrote it down", "confirm");
      storeExists = true;
      unlocked = true;
      return status();
    },
    unlock: (a) => {
      if (mode === "needs-passphrase" && !a.passphrase)
        fail("key.passphrase_needed", "this store needs its recovery passphrase", "passphrase");
      if (mode === "needs-passphrase" && a.passphrase !== "right passphrase")
        fail("key.wrong_passphrase", "the recovery passphrase is wrong: check it and try again (nothing was changed)", "passphrase");
      unlocked = true;
      return status();
    },
    lock: () => {
      unlocked = false;
      return status();
    },
    open_demo: () => {
      unlocked = true;
      return { ...status(), demo: true };
    },
    list_cases: (a) =>
      (a.includeClosed ? fixtures.list_cases.all : fixtures.list_cases.open).filter(
        (c) => !a.search || (c.child_name + c.reference).toLowerCase().includes(a.search.toLowerCase()),
      ),
    case_detail: (a) =>
      fixtures.case_detail[a.reference] ?? fail("case.not_found", `no case with reference '${a.reference}'`, "reference"),
    chronology: () => [],
    protocols: () => fixtures.protocols,
    intake_options: () => fixtures.intake_options,
    create_case: () => fixtures.create_case.reference,
    escalate_case: () => 2,
    escalate_skipping: () => fixtures.escalate_skipping,
    switch_route: () => fixtures.switch_route,
    extend_deadline: () => fixtures.extend_deadline,
    case_plan: (a) => fixtures.case_plan[a.reference],
    preview_protocol_move: (a) => fixtures.preview_protocol_move[a.reference],
    move_protocol: (a) => ({ ...fixtures.preview_protocol_move[a.reference], moved: true }),
    installed_protocols: () => fixtures.installed_protocols,
    install_protocol: () => fixtures.install_protocol.installed,
    remove_protocol: (a) => {
      const used = fixtures.installed_protocols.filter((p) => p.id === a.id && p.cases > 0);
      if (used.length) fail("protocol.in_use", `'${a.id}' is used by ${used[0].cases} case(s): it cannot be removed`, "id");
      return fixtures.installed_protocols.filter((p) => p.id === a.id);
    },
    // A test may stand in the coverage of a store whose bank-holiday data runs out.
    calendar_coverage: () => window.__coverage ?? fixtures.calendar_coverage,
    import_holidays: () => fixtures.calendar_coverage,
    resolve_case: () => null,
    withdraw_case: () => null,
    mark_sent: () => null,
    record_stage: () => 1,
    save_draft: (a) => {
      draft = a.body;
      return null;
    },
    load_draft: () => draft,
    report_forms: (a) => fixtures.report_forms[a.reference],
    preview_report: (a) => fixtures.preview_report[a.request.reference],
    save_report: (a) => ({ id: 0, path: `/home/lead/Documents/${a.request.reference}-${a.request.form}.pdf`, bytes: 23456 }),
    open_saved: () => null,
    export_package: (a) => {
      const r = a.request;
      if (r.recipient && r.passphrase)
        fail("field.invalid", "recipient: give either the Board's public key (age1…) or a passphrase agreed with the Board, not both", "recipient");
      // Neither: the Board the installed bundle named, if there is one.
      if (!r.recipient && !r.passphrase && !bundleInstalled)
        fail("field.invalid", "recipient: say who can open it: the Board's public key (age1…) or a passphrase agreed with the Board; or install the partnership's bundle, and packages go to its Board", "recipient");
      return { id: 1, path: `/home/lead/Documents/${r.reference}-board.escalate-export`, bytes: 30123 };
    },
    update_profile: (a) => a.profile,
    closure_days: () => [],
    add_closure_day: (a) => [{ day: a.day, note: a.note }],
    remove_closure_day: () => [],
    audit_trail: () => fixtures.audit_trail,
    ui_ready: () => null,
    board_overview: (a) => {
      if (a.selection.to < a.selection.from)
        fail("field.invalid", "to: the period ends before it starts: choose an end on or after the start", "to");
      return fixtures.board_overview;
    },
    board_cases: (a) => fixtures.board_cases[`${a.dimension}|${a.key}`] ?? [],
    board_import: async (a) => {
      if (window.__holdImport) await new Promise((resolve) => (finishImport = resolve));
      return {
      files: [
        { file: "a.escalate-export", outcome: "new", held: null, refused: null },
        { file: "b.escalate-export", outcome: "replaced", held: null, refused: null },
        { file: "c.escalate-export", outcome: null, held: null, refused: "the package could not be decrypted with this identity: check the Board's key" },
      ],
      new: 1, replaced: 1, duplicate: 0, older: 0, held: 0, refused: 1,
      passphraseGiven: a.passphrase !== null,
      };
    },
    partnership: () => {
      const p = fixtures.partnership;
      const view = mode === "board" ? (cardAdded ? p.board_after : p.board_before) : bundleInstalled ? p.lead_after : p.lead_before;
      return { ...view, directory: view.directory.map((e) => ({ ...e, revoked_from: revoked[e.agency] ?? e.revoked_from })) };
    },
    export_card: () => ({ id: 2, path: "/home/lead/Documents/card.json", bytes: 612 }),
    preview_bundle: () => fixtures.preview_bundle,
    install_bundle: (a) => {
      if (a.fingerprint !== fixtures.preview_bundle.board.fingerprint) throw fixtures.install_bundle.refused;
      bundleInstalled = true;
      return fixtures.install_bundle.installed;
    },
    preview_card: () => fixtures.preview_card,
    add_card: () => {
      cardAdded = true;
      return fixtures.add_card;
    },
    revoke_card: (a) => {
      revoked[a.agency] = a.from;
      return handlers.partnership().directory;
    },
    // A held package leaves the list once accepted, or once its signer's card is added.
    board_held: () =>
      fixtures.board_held.filter((h) => !accepted.includes(h.id) && !(cardAdded && h.fingerprint === fixtures.preview_card.fingerprint)),
    board_accept: (a) => {
      accepted.push(a.id);
      return fixtures.board_accept;
    },
    // Discarded, a held package leaves the list as an accepted one does.
    board_discard: (a) => {
      accepted.push(a.id);
      return null;
    },
    board_save_report: (a) => ({ id: 0, path: `/home/admin/monitoring-report-${a.selection.from}-to-${a.selection.to}.pdf`, bytes: 40960 }),
    "plugin:event|listen": (a) => {
      listeners.push({ event: a.event, handler: a.handler });
      return listeners.length;
    },
    "plugin:event|unlisten": () => null,
  };
  window.__fakeCommands = Object.keys(handlers);
  window.__TAURI_INTERNALS__ = {
    invoke: async (cmd, args) => {
      calls.push({ cmd, args: JSON.parse(JSON.stringify(args ?? {})) });
      // As the shell answers a name it does not register.
      if (!known.includes(cmd)) throw `command ${cmd} not found`;
      const h = handlers[cmd];
      if (!h) throw `the fake backend has no answer for ${cmd}: add one in tests/fake-backend.js`;
      // A test's own refusal for the next call of a command: {cmd, error}.
      const refusal = window.__refuseNext;
      if (refusal?.cmd === cmd) {
        window.__refuseNext = null;
        throw refusal.error;
      }
      if (!unlocked && !cmd.startsWith("plugin:") && !withoutStore.includes(cmd))
        fail("store.locked", "Escalate is locked: unlock it to see and change cases");
      return JSON.parse(JSON.stringify((await h(args ?? {})) ?? null));
    },
    transformCallback: (callback) => {
      const id = callbacks.size + 1;
      callbacks.set(id, callback);
      return id;
    },
    unregisterCallback: () => {},
    metadata: { currentWindow: { label: "main" }, currentWebview: { windowLabel: "main", label: "main" } },
  };
}

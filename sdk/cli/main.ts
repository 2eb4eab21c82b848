/**
 * `halt`: the operator's command line. Prints what a person needs to act ("3 of 3 instances
 * stopped"), `--json` for scripts, and exits non-zero when something went wrong:
 * 1 an error (the message says what and how to fix it), 2 bad usage, 3 a wait that ran out
 * before every instance stopped, 4 a broken audit chain.
 */
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline/promises';
import { Command, CommanderError, Option } from 'commander';
import { HaltApiError, HaltUnreachableError } from '../errors';
import { runDoctor, type DoctorCheck } from './doctor';
import { HaltClient, type ControlOutcome, type FailedBatchSummary, type ReplayResult } from '../operator-client';
import { approvalStatusSchema, policySchema, roleSchema } from '../protocol/schemas';
import { CliConfigError, loadCliConfig } from './config';
import { agentRows, enforcedLine, auditLine, stoppedLine, table } from './format';
import { hoistGlobalOptions } from './global-options';
import { actionKilledLine, actionResumedLine, approvalCall, approvalDetail, approvalRows, killedActionRows, pendingFirst } from './approvals-format';

/** Calls a bulk command makes at most while the control plane answers that time ran out. */
const BULK_ROUNDS = 20;

export const EXIT = { ok: 0, error: 1, usage: 2, waitTimedOut: 3, auditBroken: 4 } as const;

export class UsageError extends Error {
  public constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

interface Io {
  out: (text: string) => void;
  err: (text: string) => void;
  isTty: boolean;
  confirm: (question: string) => Promise<boolean>;
}

const defaultIo = (): Io => ({
  out: (text) => process.stdout.write(`${text}\n`),
  err: (text) => process.stderr.write(`${text}\n`),
  isTty: Boolean(process.stdout.isTTY && process.stdin.isTTY),
  confirm: async (question) => {
    const rl = createInterface({ input: process.stdin, output: process.stderr });
    try {
      return /^y(es)?$/i.test((await rl.question(`${question} [y/N] `)).trim());
    } finally {
      rl.close();
    }
  },
});

const waitSeconds = (value: string | boolean | undefined): number | undefined => {
  if (value === undefined || value === false) return undefined;
  if (value === true) return 30;
  const seconds = Number(value);
  if (!Number.isFinite(seconds) || seconds <= 0) throw new UsageError(`--wait takes a number of seconds, got "${value}"`);
  return seconds;
};

export const run = async (argv: readonly string[], io: Io = defaultIo()): Promise<number> => {
  let exitCode: number = EXIT.ok;
  const program = new Command('halt')
    .description('Halt: stop AI agents, every instance, every region.')
    .option('--url <url>', 'control plane URL (default: HALT_URL or the config file)')
    .option('--json', 'print JSON for scripts')
    .exitOverride()
    .enablePositionalOptions()
    .configureOutput({ writeOut: (s) => io.out(s.trimEnd()), writeErr: (s) => io.err(s.trimEnd()) });

  const globals = () => program.opts<{ url?: string; json?: boolean }>();
  const client = () => new HaltClient(loadCliConfig(globals().url ? { url: globals().url as string } : {}));
  const print = (human: string, data: unknown) => io.out(globals().json ? JSON.stringify(data, null, 2) : human);

  const control = async (action: 'kill' | 'pause' | 'resume', agentId: string, opts: { reason: string; wait?: string | boolean }) => {
    const seconds = waitSeconds(opts.wait);
    let last = '';
    const result: ControlOutcome = await client()[action]({
      agentId,
      reason: opts.reason,
      ...(seconds
        ? {
            wait: {
              timeoutMs: seconds * 1000,
              onProgress: ({ acknowledged, total }) => {
                const line = `${stoppedLine(acknowledged, total)}…`;
                if (globals().json || line === last) return;
                last = line;
                if (io.isTty) process.stderr.write(`\r${line}`);
                else io.err(line);
              },
            },
          }
        : {}),
    });
    if (io.isTty && seconds && !globals().json) process.stderr.write('\n');
    const verb = { kill: 'killed', pause: 'paused', resume: 'resumed' }[action];
    // "email-campaign killed (version 5); enforced in us-east-1, eu-west-1; 3 of 3 instances stopped"
    const summary = [result.changed ? `${agentId} ${verb} (version ${result.version})` : `${agentId} was already ${result.status} (version ${result.version})`, enforcedLine(result)];
    if (result.total !== undefined) {
      const done = action === 'resume' ? `${result.acknowledged} of ${result.total} instances resumed` : stoppedLine(result.acknowledged ?? 0, result.total);
      summary.push(result.complete ? done : `${done}: timed out after ${seconds} s`);
      if (!result.complete) exitCode = EXIT.waitTimedOut;
    }
    const lines = [summary.join('; ')];
    if (result.changed) lines.push(`told ${result.pushed} connected instance${result.pushed === 1 ? '' : 's'} at once`);
    print(lines.join('\n'), result);
  };

  const agents = program
    .command('agents')
    .description('list agents (or: agents create <agentId>)')
    .option('--tag <tag...>', 'only agents carrying every tag')
    .enablePositionalOptions();
  agents.action(async (opts: { tag?: string[] }) => {
    const { agents: list } = await client().listAgents({ ...(opts.tag ? { tags: opts.tag } : {}) });
    print(list.length > 0 ? agentRows(list) : 'no agents', list);
  });
  agents
    .command('create <agentId>')
    .description('create an agent; prints its key once')
    .option('--name <name>')
    .option('--tag <tag...>', 'tags (key=value or word)')
    .action(async (agentId: string, opts: { name?: string; tag?: string[] }) => {
      const created = await client().createAgent({ agentId, ...(opts.name ? { name: opts.name } : {}), ...(opts.tag ? { tags: opts.tag } : {}) });
      print(`created ${agentId}. Its key, shown once — give it to the agent now:\n${created.agentKey}`, created);
    });

  program
    .command('status <agentId>')
    .description('one agent and its instances')
    .action(async (agentId: string) => {
      const agent = await client().getAgent({ agentId });
      const head = [
        `${agent.agentId}: ${agent.status} (version ${agent.version}), health ${agent.health}`,
        `  last change ${agent.statusChangedAt} by ${agent.statusChangedBy}${agent.statusReason ? `: ${agent.statusReason}` : ''}`,
        `  ${agent.status === 'active' ? `${agent.instances.total} instances` : stoppedLine(agent.instances.acknowledged, agent.instances.total)}; intents today ${agent.intentsToday}, cost today $${agent.costTodayUsd.toFixed(2)}`,
        `  fail mode ${agent.policy.failMode ?? 'closed'} (cut off from Halt, instances ${agent.policy.failMode === 'open' ? 'keep working' : 'stop'})${agent.policy.hardStop ? `; hard stop brakes ${agent.policy.hardStop.functions.length} Lambda function(s)` : ''}`,
      ];
      const rows = agent.instanceList.map((i) => [
        i.instanceId,
        i.region,
        i.health,
        i.connected ? 'yes' : 'no',
        i.acknowledgedVersion === null ? '-' : String(i.acknowledgedVersion),
        i.ignoringStop ? 'IGNORING STOP' : '',
        i.lastHeartbeatAt ?? '-',
      ]);
      print(
        [...head, '', rows.length > 0 ? table(['INSTANCE', 'REGION', 'HEALTH', 'CONNECTED', 'ACKED', '', 'LAST HEARTBEAT'], rows) : 'no instances yet'].join('\n'),
        agent,
      );
    });

  const withReason = (cmd: Command) =>
    cmd
      .requiredOption('--reason <reason>', 'why (recorded in the audit trail)')
      .addOption(new Option('--wait [seconds]', 'wait until every instance acknowledges (default 30 s)'));

  type ScopedOptions = { reason: string; wait?: string | boolean; tag?: string[]; all?: boolean; yes?: boolean };
  const scoped = (action: 'kill' | 'pause' | 'resume') => async (agentId: string | undefined, opts: ScopedOptions) => {
    const bulk = Boolean(opts.tag || opts.all);
    if (bulk === Boolean(agentId)) throw new UsageError('name one agent, or use --tag … / --all (not both)');
    if (!bulk) return control(action, agentId as string, opts);
    if (opts.tag && opts.all) throw new UsageError('use --tag or --all, not both');
    const scope = opts.all ? 'EVERY agent' : `every agent tagged ${(opts.tag ?? []).join(' + ')}`;
    const verb = { kill: 'Kill', pause: 'Pause', resume: 'Resume' }[action];
    if (!opts.yes) {
      if (!io.isTty) throw new UsageError(`refusing to ${action} ${scope} without confirmation: add --yes`);
      if (!(await io.confirm(`${verb} ${scope}?`))) {
        io.err(`nothing done`);
        exitCode = EXIT.error;
        return;
      }
    }
    const request = { reason: opts.reason, ...(opts.all ? { all: true as const } : { tags: opts.tag ?? [] }) };
    const halt = client();
    const call = () => (action === 'kill' ? halt.bulkKill(request) : action === 'pause' ? halt.bulkPause(request) : halt.bulkResume(request));
    // A call that runs out of time names what it did not reach: call again until none is left
    // (agents already changed answer "unchanged" and keep their first answer here).
    let answer = await call();
    const byAgent = new Map(answer.agents.map((a) => [a.agentId, a]));
    for (let round = 1; !answer.complete && round < BULK_ROUNDS; round++) {
      io.err(`${answer.remaining.length} agent${answer.remaining.length === 1 ? '' : 's'} not reached yet; going on…`);
      answer = await call();
      for (const a of answer.agents) if (!byAgent.get(a.agentId)?.changed) byAgent.set(a.agentId, a);
    }
    const result = { agents: [...byAgent.values()], complete: answer.complete, remaining: answer.remaining };
    if (!result.complete) {
      io.err(`${result.remaining.length} agents were not reached after ${BULK_ROUNDS} calls: ${result.remaining.join(', ')}; run the command again`);
      exitCode = EXIT.error;
    }
    const changed = result.agents.filter((a) => a.changed).length;
    const done = { kill: 'killed', pause: 'paused', resume: 'resumed' }[action];
    print(
      [
        `${done} ${changed} agent${changed === 1 ? '' : 's'} (${result.agents.length - changed} unchanged)`,
        ...result.agents.map((a) => `  ${a.agentId} v${a.version}${a.changed ? '' : ' (unchanged)'}, told ${a.pushed}; ${enforcedLine(a)}`),
      ].join('\n'),
      result,
    );
  };
  const scopedCommand = (action: 'kill' | 'pause' | 'resume', description: string) =>
    withReason(program.command(`${action} [agentId]`).description(description))
      .option('--tag <tag...>', `${action} every agent carrying all these tags`)
      .option('--all', `${action} every agent`)
      .option('--yes', 'do not ask for confirmation (many agents)')
      .action(scoped(action));
  scopedCommand('kill', 'kill an agent (or many with --tag / --all)');
  scopedCommand('pause', 'pause an agent: it finishes the unit in hand, checkpoints and waits');
  scopedCommand('resume', 'resume an agent from its checkpoint');

  const audit = program
    .command('audit')
    .description('the audit trail, newest first')
    .option('--agent <agentId>')
    .option('--limit <n>', 'how many', '20')
    .option('--follow', 'keep printing new events (Ctrl+C stops)')
    .action(async (opts: { agent?: string; limit: string; follow?: boolean }) => {
      const halt = client();
      const limit = Number(opts.limit);
      if (!Number.isInteger(limit) || limit < 1 || limit > 500) throw new UsageError('--limit takes a whole number from 1 to 500');
      const page = await halt.listAudit({ ...(opts.agent ? { agentId: opts.agent } : {}), limit });
      print(page.events.length > 0 ? page.events.map(auditLine).join('\n') : 'no events', page);
      if (!opts.follow) return;
      const seen = new Set(page.events.map((e) => e.eventId));
      const stop = new AbortController();
      process.once('SIGINT', () => stop.abort());
      while (!stop.signal.aborted) {
        await new Promise((r) => setTimeout(r, 1000));
        const next = await halt.listAudit({ ...(opts.agent ? { agentId: opts.agent } : {}), limit: 50 });
        for (const event of next.events.filter((e) => !seen.has(e.eventId)).reverse()) {
          seen.add(event.eventId);
          io.out(globals().json ? JSON.stringify(event) : auditLine(event));
        }
      }
    });
  audit
    .command('verify')
    .description('check the hash chain of the audit trail')
    .option('--agent <agentId>')
    .action(async (opts: { agent?: string }) => {
      const result = await client().verifyAudit(opts.agent ? { agentId: opts.agent } : {});
      print(result.ok ? `audit chain intact: ${result.checked} events checked` : `audit chain BROKEN at ${result.firstBrokenEventId} (${result.checked} checked)`, result);
      if (!result.ok) exitCode = EXIT.auditBroken;
    });

  program
    .command('doctor')
    .description('check a running stack end to end (after cdk deploy, or against npm start): a throwaway agent is connected, killed in every region, timed, then deleted')
    .option('--ws-url <url>', "the first region's WebSocket URL (default: HALT_WS_URL)")
    .option('--region <rest=ws...>', 'each region as <REST URL>=<WebSocket URL> (the first is where the kill is made)')
    .option('--wait <seconds>', 'how long each check may wait', '15')
    .action(async (opts: { wsUrl?: string; region?: string[]; wait: string }) => {
      const wait = Number(opts.wait);
      if (!Number.isFinite(wait) || wait < 1 || wait > 120) throw new UsageError('--wait takes a number of seconds from 1 to 120');
      const config = loadCliConfig(globals().url ? { url: globals().url as string } : {});
      const regions = opts.region?.length
        ? opts.region.map((pair) => {
            const at = pair.indexOf('=');
            if (at <= 0) throw new UsageError(`--region takes <REST URL>=<WebSocket URL>, got "${pair}"`);
            return { url: pair.slice(0, at), wsUrl: pair.slice(at + 1) };
          })
        : [{ url: config.url, wsUrl: opts.wsUrl ?? process.env.HALT_WS_URL ?? '' }];
      for (const region of regions) {
        if (!/^wss?:\/\//.test(region.wsUrl)) throw new UsageError(`no WebSocket URL for ${region.url}: pass --ws-url wss://… (the stack's WebSocketUrl output) or --region <rest>=<ws>`);
      }
      const line = (c: DoctorCheck) => `${c.ok ? 'ok  ' : 'FAIL'}  ${c.check.padEnd(20)} ${(c.region ?? '').padEnd(12)} ${c.ms !== undefined ? `${String(c.ms).padStart(6)} ms` : '         '}  ${c.detail}`;
      const report = await runDoctor({ regions, key: config.key, ceilingMs: wait * 1000, ...(globals().json ? {} : { onCheck: (c) => io.out(line(c)) }) });
      if (globals().json) io.out(JSON.stringify(report, null, 2));
      else io.out(report.ok ? `every check held (${report.checks.length})` : `${report.checks.filter((c) => !c.ok).length} check(s) failed`);
      if (!report.ok) exitCode = EXIT.error;
    });

  program
    .command('replay')
    .description('re-drive the stream batches the consumer gave up on (audit and bus events they carry); --list only shows them')
    .option('--list', 'show the failed batches, change nothing')
    .action(async (opts: { list?: boolean }) => {
      const halt = client();
      const describe = (b: FailedBatchSummary) => `${b.failedAt}  ${b.records} record${b.records === 1 ? '' : 's'}  ${b.agentIds.join(', ') || '-'}  ${b.condition}`;
      if (opts.list) {
        const page = await halt.listFailedBatches();
        print(page.batches.length === 0 ? 'no failed batches' : [...page.batches.map(describe), ...(page.more ? ['… and more'] : [])].join('\n'), page);
        return;
      }
      const replayed: FailedBatchSummary[] = [];
      const failed: ReplayResult['failed'] = [];
      // A call stops starting batches before its time is up; call again until every batch was tried.
      for (let call = 0; call < 20; call++) {
        const result = await halt.replayFailedBatches();
        replayed.push(...result.replayed);
        failed.push(...result.failed);
        if (result.complete) break;
      }
      const lines = [`${replayed.length} failed batch${replayed.length === 1 ? '' : 'es'} replayed`, ...replayed.map((b) => `  ok      ${describe(b)}`), ...failed.map((b) => `  failed  ${describe(b)}: ${b.error}`)];
      if (failed.length > 0) {
        lines.push(`${failed.length} still failing: they stay in the bucket; fix the cause and run halt replay again`);
        exitCode = EXIT.error;
      }
      print(lines.join('\n'), { replayed, failed });
    });

  const policy = program.command('policy').description("an agent's policy");
  policy.command('get <agentId>').action(async (agentId: string) => {
    const agent = await client().getAgent({ agentId });
    print(JSON.stringify(agent.policy, null, 2), agent.policy);
  });
  policy
    .command('set <agentId>')
    .description('replace the policy with a JSON document')
    .option('--file <path>', 'read the policy from a file')
    .option('--policy <json>', 'the policy as JSON')
    .action(async (agentId: string, opts: { file?: string; policy?: string }) => {
      if (Boolean(opts.file) === Boolean(opts.policy)) throw new UsageError('give the policy with --file <path> or --policy <json>');
      let raw: unknown;
      try {
        raw = JSON.parse(opts.file ? readFileSync(opts.file, 'utf8') : (opts.policy as string));
      } catch (error) {
        throw new UsageError(`the policy is not valid JSON: ${(error as Error).message}`);
      }
      const parsed = policySchema.safeParse(raw);
      if (!parsed.success) throw new UsageError(`the policy is not valid: ${parsed.error.issues.map((i) => `${i.path.join('.') || 'policy'}: ${i.message}`).join('; ')}`);
      const result = await client().setPolicy({ agentId, policy: parsed.data });
      print(`policy of ${agentId} set (version ${result.version})`, result);
    });

  const approvals = program
    .command('approvals')
    .description('calls held for a person (pending first); approvals show <approvalId> for one in full')
    .option('--status <status>', 'only pending, approved, denied, expired, used or cancelled')
    .option('--agent <agentId>', "only this agent's")
    .enablePositionalOptions();
  approvals.action(async (opts: { status?: string; agent?: string }) => {
    const status = opts.status === undefined ? undefined : approvalStatusSchema.safeParse(opts.status);
    if (status && !status.success) throw new UsageError(`--status must be one of ${approvalStatusSchema.options.join(', ')}, got "${opts.status}"`);
    const { approvals: list } = await client().listApprovals({ ...(status?.data ? { status: status.data } : {}), ...(opts.agent ? { agentId: opts.agent } : {}) });
    const sorted = pendingFirst(list);
    const waiting = sorted.filter((a) => a.status === 'pending').length;
    const human =
      sorted.length === 0
        ? `no ${status?.data ?? ''}${status?.data ? ' ' : ''}approvals`
        : `${approvalRows(sorted)}
${waiting} pending${waiting > 0 ? ': halt approve <approvalId> [--reason …] or halt deny <approvalId> --reason …' : ''}`;
    print(human, sorted);
  });
  approvals
    .command('show <approvalId>')
    .description('one approval in full: the exact call (payload included) and its decision')
    .action(async (approvalId: string) => {
      const approval = await client().getApproval({ approvalId });
      print(approvalDetail(approval), approval);
    });

  program
    .command('approve <approvalId>')
    .description('let the agent make the exact call it asked about, once')
    .option('--reason <reason>', 'why (recorded in the audit trail)')
    .action(async (approvalId: string, opts: { reason?: string }) => {
      const approval = await client().approve({ approvalId, ...(opts.reason !== undefined ? { reason: opts.reason } : {}) });
      print(`approved ${approval.approvalId} (${approvalCall(approval)}): the agent may send it once, before ${approval.expiresAt}`, approval);
    });

  program
    .command('deny <approvalId>')
    .description("refuse the call the agent asked about (--reason is required: the agent is told, the audit trail keeps it)")
    .option('--reason <reason>', 'why (required; recorded in the audit trail and given to the agent)')
    .action(async (approvalId: string, opts: { reason?: string }) => {
      if (!opts.reason?.trim()) throw new UsageError(`a denial needs --reason: say why ${approvalId} is refused (it is recorded in the audit trail and given to the agent)`);
      const approval = await client().deny({ approvalId, reason: opts.reason });
      print(`denied ${approval.approvalId} (${approvalCall(approval)}): the agent's call is refused (approval_denied): ${opts.reason}`, approval);
    });

  const actions = program.command('actions').description('actions refused for every agent (fleet-wide kills): list, kill, resume');
  const listKilled = async () => {
    const { killed } = await client().listKilledActions();
    print(killed.length > 0 ? killedActionRows(killed) : 'no action is killed fleet-wide', killed);
  };
  actions.action(listKilled);
  actions.command('list').description('the action globs refused for every agent').action(listKilled);
  actions
    .command('kill <glob>')
    .description("refuse every agent's intents whose action matches the glob (* matches any run of characters), in every region, whatever their policies")
    .requiredOption('--reason <reason>', 'why (recorded in the audit trail, sent to every instance)')
    .option('--confirm', 'needed for a glob that matches every action ("*")')
    .action(async (glob: string, opts: { reason: string; confirm?: boolean }) => {
      const result = await client().killAction({ action: glob, reason: opts.reason, ...(opts.confirm ? { confirm: true } : {}) });
      print(`${actionKilledLine(result)}
lift it with: halt actions resume '${result.action}' --reason …`, result);
    });
  actions
    .command('resume <glob>')
    .description('lift a fleet-wide kill (give the glob exactly as it was killed); each agent\'s own policy applies again')
    .requiredOption('--reason <reason>', 'why (recorded in the audit trail)')
    .action(async (glob: string, opts: { reason: string }) => {
      const result = await client().resumeAction({ action: glob, reason: opts.reason });
      print(`${actionResumedLine(result)}; each agent's own policy applies again`, result);
    });

  const keys = program.command('keys').description('API keys');
  keys
    .command('create')
    .requiredOption('--name <name>')
    .requiredOption('--role <role>', 'operator, viewer or agent')
    .option('--agent <agentId>', 'for role agent: the agent it acts for')
    .action(async (opts: { name: string; role: string; agent?: string }) => {
      const role = roleSchema.safeParse(opts.role);
      if (!role.success) throw new UsageError('--role must be operator, viewer or agent');
      const created = await client().createKey({ name: opts.name, role: role.data, ...(opts.agent ? { agentId: opts.agent } : {}) });
      print(`created key ${created.keyId} (${created.role}). The key, shown once:\n${created.key}`, created);
    });
  keys.command('list').action(async () => {
    const { keys: list } = await client().listKeys();
    print(table(['KEY ID', 'NAME', 'ROLE', 'AGENT', 'CREATED', 'LAST USED'], list.map((k) => [k.keyId, k.name, k.role, k.agentId ?? '', k.createdAt, k.lastUsedAt ?? 'never'])), list);
  });
  keys.command('revoke <keyId>').action(async (keyId: string) => {
    await client().revokeKey({ keyId });
    print(`revoked ${keyId}: it stops working at once`, { keyId, revoked: true });
  });

  try {
    await program.parseAsync(['node', 'halt', ...hoistGlobalOptions(argv)]);
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    if (error instanceof UsageError || error instanceof CliConfigError) {
      io.err(`halt: ${error.message}`);
      return error instanceof UsageError ? EXIT.usage : EXIT.error;
    }
    if (error instanceof HaltApiError) {
      const hint = error.status === 401 ? ' (check HALT_KEY: is it a current key?)' : error.status === 403 ? ' (this key lacks the right for that)' : '';
      io.err(`halt: ${error.message}${hint} [${error.status} ${error.code}]`);
      return EXIT.error;
    }
    if (error instanceof HaltUnreachableError) {
      io.err(`halt: ${error.message} (is the control plane running? check HALT_URL)`);
      return EXIT.error;
    }
    io.err(`halt: ${(error as Error).message}`);
    return EXIT.error;
  }
};

if (require.main === module) {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  void run(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}

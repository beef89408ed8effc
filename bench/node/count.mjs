// The anchor for the dataset benchmark: parse every line of a chat JSONL and count its o200k_base
// tokens the same way FineTune's checker does (OpenAI cookbook: 3 priming tokens per example, per
// message 3 + the tokens of its string values + 1 for a name; tool calls count their function name
// and arguments; tool definitions count every key and string value).
// Usage: node count.mjs gpt-tokenizer|tiktoken FILE [PASSES]   -> one JSON line on stdout
// With PASSES > 1 the file is counted that many times: the first pass is cold, the last warm (both reported).
import { createReadStream, statSync } from 'node:fs';
import { createInterface } from 'node:readline';

const [lib, file, passesArgument] = process.argv.slice(2);
const passes = Number(passesArgument ?? 1);
let count;
// Each pass starts with an empty word cache, as each of FineTune's checks does.
let clearCache = () => {};
if (lib === 'gpt-tokenizer') {
  const { countTokens, clearMergeCache } = await import('gpt-tokenizer/encoding/o200k_base');
  count = (text) => (text.length === 0 ? 0 : countTokens(text));
  clearCache = clearMergeCache;
} else if (lib === 'tiktoken') {
  const { get_encoding } = await import('tiktoken');
  const encoding = get_encoding('o200k_base');
  count = (text) => (text.length === 0 ? 0 : encoding.encode(text).length);
} else {
  console.error('usage: node count.mjs gpt-tokenizer|tiktoken FILE');
  process.exit(2);
}
count('warm up the encoder');

const tree = (value) => {
  if (typeof value === 'string') return count(value);
  if (Array.isArray(value)) return value.reduce((sum, item) => sum + tree(item), 0);
  if (value && typeof value === 'object') {
    let sum = 0;
    for (const [key, item] of Object.entries(value)) sum += count(key) + tree(item);
    return sum;
  }
  return 0;
};

const call = (fn) => (fn && typeof fn.name === 'string' ? count(fn.name) : 0) + (fn && typeof fn.arguments === 'string' ? count(fn.arguments) : 0);

const message = (m) => {
  let n = 3;
  let answer = 0;
  if (typeof m.role === 'string') n += count(m.role);
  if (typeof m.name === 'string') n += count(m.name) + 1;
  if (typeof m.content === 'string') answer += count(m.content);
  else if (Array.isArray(m.content)) for (const part of m.content) if (part?.type === 'text' && typeof part.text === 'string') answer += count(part.text);
  if (typeof m.refusal === 'string') answer += count(m.refusal);
  if (Array.isArray(m.tool_calls)) for (const c of m.tool_calls) answer += call(c?.function);
  if (m.function_call) answer += call(m.function_call);
  if (typeof m.tool_call_id === 'string') n += count(m.tool_call_id);
  const trainable = m.role === 'assistant' && m.weight !== 0 ? answer : 0;
  return [n + answer, trainable];
};

const countFile = async () => {
  const started = process.hrtime.bigint();
  let examples = 0;
  let total = 0;
  let trainable = 0;
  const lines = createInterface({ input: createReadStream(file), crlfDelay: Infinity });
  for await (const line of lines) {
    if (line.trim().length === 0) continue;
    const example = JSON.parse(line);
    examples++;
    let tokens = 3;
    if (example.tools) tokens += tree(example.tools);
    if (example.functions) tokens += tree(example.functions);
    for (const m of example.messages) {
      const [n, t] = message(m);
      tokens += n;
      trainable += t;
    }
    total += tokens;
  }
  return { examples, total, trainable, seconds: Number(process.hrtime.bigint() - started) / 1e9 };
};

const runs = [];
for (let pass = 0; pass < passes; pass++) {
  clearCache();
  runs.push(await countFile());
}
const { examples, total, trainable, seconds } = runs[runs.length - 1];
const megabytes = statSync(file).size / (1024 * 1024);
console.log(JSON.stringify({
  tool: lib, examples, totalTokens: total, trainableTokens: trainable, seconds,
  mbPerSecond: megabytes / seconds, coldMbPerSecond: megabytes / runs[0].seconds, peakRssMb: process.resourceUsage().maxRSS / 1024,
}));

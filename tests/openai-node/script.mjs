// Drives a running LocalProvider with the official openai npm package, the way a Node user would:
// upload a file from a stream, create a job, page through jobs, events and checkpoints with
// `for await`, wait for success, then call the fine-tuned model through chat completions and
// responses, plain and streamed. Any mismatch throws, so the process exits non-zero.
//
//   LOCAL_PROVIDER_BASE_URL=http://localhost:5082/v1 node script.mjs
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import OpenAI from 'openai';

const baseURL = process.env.LOCAL_PROVIDER_BASE_URL;
if (!baseURL) throw new Error('Set LOCAL_PROVIDER_BASE_URL, e.g. http://localhost:5082/v1');
const client = new OpenAI({ baseURL, apiKey: 'sk-local-node-check', maxRetries: 2 });

const pairs = [
  ['Capital of France?', 'Paris.'], ['Capital of Germany?', 'Berlin.'], ['Capital of Spain?', 'Madrid.'],
  ['Capital of Italy?', 'Rome.'], ['Capital of Portugal?', 'Lisbon.'], ['Capital of Austria?', 'Vienna.'],
  ['Capital of Poland?', 'Warsaw.'], ['Capital of Czechia?', 'Prague.'], ['Capital of Hungary?', 'Budapest.'],
  ['Capital of Greece?', 'Athens.'], ['Capital of Ireland?', 'Dublin.'], ['Capital of Norway?', 'Oslo.'],
  ['Capital of Sweden?', 'Stockholm.'], ['Capital of Finland?', 'Helsinki.'], ['Capital of Denmark?', 'Copenhagen.'],
  ['Capital of Belgium?', 'Brussels.'], ['Capital of Switzerland?', 'Bern.'], ['Capital of Canada?', 'Ottawa, in Ontario.'],
  ['Capital of Australia?', 'Canberra, not Sydney.'], ['Capital of Japan?', 'Tokyo.'],
];

function check(condition, message) {
  if (!condition) throw new Error(`Mismatch: ${message}`);
  console.log(`ok - ${message}`);
}

// 1. Upload from a stream.
const datasetPath = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'openai-node-')), 'geography.jsonl');
fs.writeFileSync(datasetPath, pairs.map(([q, a]) => JSON.stringify({
  messages: [{ role: 'system', content: 'You are a terse geography bot.' }, { role: 'user', content: q }, { role: 'assistant', content: a }],
})).join('\n') + '\n');
const file = await client.files.create({ file: fs.createReadStream(datasetPath), purpose: 'fine-tune' });
check(file.id.startsWith('file-') && file.filename === 'geography.jsonl', `uploaded ${file.id} as ${file.filename}`);
check(file.bytes === fs.statSync(datasetPath).size, `the file has all ${file.bytes} bytes`);

// 2. Create a job.
const created = await client.fineTuning.jobs.create({
  model: 'gpt-4o-mini',
  training_file: file.id,
  suffix: 'node',
  seed: 4,
  metadata: { client: 'openai-node' },
  method: { type: 'supervised', supervised: { hyperparameters: { n_epochs: 3 } } },
});
check(created.id.startsWith('ftjob-') && created.status === 'validating_files', `created ${created.id} (${created.status})`);
check(created.metadata?.client === 'openai-node', 'the job keeps its metadata');

// 3. Wait for success.
let job = created;
const deadline = Date.now() + 60_000;
while (!['succeeded', 'failed', 'cancelled'].includes(job.status)) {
  if (Date.now() > deadline) throw new Error(`Job ${job.id} still ${job.status} after 60 s`);
  await new Promise((resolve) => setTimeout(resolve, 100));
  job = await client.fineTuning.jobs.retrieve(created.id);
}
check(job.status === 'succeeded', `job ${job.id} ${job.status}${job.error ? `: ${job.error.message}` : ''}`);
const model = job.fine_tuned_model;
check(/^ft:gpt-4o-mini:local:node:[A-Za-z0-9]{8}$/.test(model), `fine-tuned model ${model}`);
check(job.trained_tokens > 0 && job.result_files.length === 1, `trained ${job.trained_tokens} tokens, one result file`);
check(job.method.supervised.hyperparameters.n_epochs === 3, 'hyperparameters are resolved');

// 4. Page through jobs, events and checkpoints with for await (one small page at a time).
const jobIds = [];
for await (const listed of client.fineTuning.jobs.list({ limit: 1 })) jobIds.push(listed.id);
check(jobIds.includes(job.id) && new Set(jobIds).size === jobIds.length, `listed ${jobIds.length} jobs page by page, ours among them`);

const events = [];
for await (const event of client.fineTuning.jobs.listEvents(job.id, { limit: 7 })) events.push(event);
const steps = events.filter((event) => event.type === 'metrics').map((event) => event.data.step);
check(new Set(events.map((event) => event.id)).size === events.length, `${events.length} events, no duplicates across pages`);
check(steps.length === 60 && steps[0] === 60 && steps[59] === 1, 'metrics for steps 60 down to 1, newest first');
check(events[0].message === 'The job has successfully completed', 'the newest event is the completion');

const checkpoints = [];
for await (const checkpoint of client.fineTuning.jobs.checkpoints.list(job.id, { limit: 1 })) checkpoints.push(checkpoint);
check(checkpoints.map((c) => c.step_number).join(',') === '60,40,20', 'checkpoints at steps 60, 40, 20');

const retrieved = await client.models.retrieve(model);
check(retrieved.id === model && retrieved.object === 'model', 'the model can be retrieved');

// 5. Call the fine-tuned model.
const completion = await client.chat.completions.create({ model, messages: [{ role: 'user', content: 'Capital of France?' }] });
check(completion.choices[0].message.content === 'Paris.', `chat completion answers "${completion.choices[0].message.content}"`);
check(completion.usage.completion_tokens > 0, 'chat completion reports usage');

const response = await client.responses.create({ model, input: 'Capital of Spain?', instructions: 'You are a terse geography bot.' });
check(response.output[0].content[0].text === 'Madrid.', `response answers "${response.output[0].content[0].text}"`);
check(response.output_text === 'Madrid.' && response.usage.output_tokens > 0, 'response output_text and usage');

// 6. Stream a completion, and a response.
let streamed = '';
let usage = null;
const stream = await client.chat.completions.create({
  model, messages: [{ role: 'user', content: 'Capital of Australia?' }], stream: true, stream_options: { include_usage: true },
});
let chunks = 0;
for await (const chunk of stream) {
  chunks++;
  streamed += chunk.choices[0]?.delta?.content ?? '';
  usage = chunk.usage ?? usage;
}
check(streamed === 'Canberra, not Sydney.' && chunks > 3, `streamed completion "${streamed}" in ${chunks} chunks`);
check(usage?.completion_tokens > 0, 'the stream ends with usage');

let streamedResponse = '';
let completed = null;
for await (const event of await client.responses.create({ model, input: 'Capital of Norway?', stream: true })) {
  if (event.type === 'response.output_text.delta') streamedResponse += event.delta;
  if (event.type === 'response.completed') completed = event.response;
}
check(streamedResponse === 'Oslo.' && completed?.usage?.output_tokens > 0, `streamed response "${streamedResponse}" with usage`);

console.log('all checks passed');

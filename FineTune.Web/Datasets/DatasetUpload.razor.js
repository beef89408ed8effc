// Uploads the chosen dataset file from the browser straight to the Web's /upload/datasets endpoint
// over HTTP (not through the Blazor circuit), reporting progress to the upload component as it goes.
import { attached } from '../file-button.js';

export function attach(input, component, uploadPath, maxBytes) {
    // Gone when the user left the page while this module loaded: there is nothing to attach to.
    if (!input) return;
    input.addEventListener('change', () => {
        const file = input.files && input.files[0];
        input.value = '';
        // The method and the file's format chosen beside the upload button (data-method, data-format); no method: the Api
        // assumes one from the lines.
        if (file) upload(file, input.dataset.method, input.dataset.format, component, uploadPath, maxBytes);
    });
    attached(input);
}

function upload(file, method, format, component, uploadPath, maxBytes) {
    // The component says why a file over the limit is refused; it is not sent at all.
    component.invokeMethodAsync('UploadStarted', file.name, file.size);
    if (file.size > maxBytes) return;

    const xhr = new XMLHttpRequest();
    let lastPercent = -1;

    xhr.upload.addEventListener('progress', e => {
        if (!e.lengthComputable) return;
        const percent = Math.floor(e.loaded * 100 / e.total);
        if (percent === lastPercent) return;
        lastPercent = percent;
        component.invokeMethodAsync('UploadProgress', e.loaded, e.total);
    });
    xhr.addEventListener('load', () => {
        const json = (xhr.getResponseHeader('Content-Type') || '').includes('json');
        component.invokeMethodAsync('UploadFinished', xhr.status, json ? xhr.responseText : null);
    });
    xhr.addEventListener('error', () => component.invokeMethodAsync('UploadFinished', 0, null));
    xhr.addEventListener('abort', () => component.invokeMethodAsync('UploadFinished', -1, null));

    const query = new URLSearchParams({ name: file.name });
    if (method) query.set('method', method);
    if (format) query.set('format', format);
    xhr.open('POST', `${uploadPath}?${query}`);
    xhr.setRequestHeader('X-FineTune-Upload', '1');
    xhr.setRequestHeader('Content-Type', 'application/octet-stream');
    xhr.send(file);
}

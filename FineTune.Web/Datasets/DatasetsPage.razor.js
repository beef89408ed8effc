// Uploads the chosen dataset file from the browser straight to the Web's /upload/datasets endpoint
// over HTTP (not through the Blazor circuit), reporting progress to the page as it goes.
export function attach(input, page, uploadPath, maxBytes) {
    input.addEventListener('change', () => {
        const file = input.files && input.files[0];
        input.value = '';
        if (file) upload(file, page, uploadPath, maxBytes);
    });
}

function upload(file, page, uploadPath, maxBytes) {
    // The page says why a file over the limit is refused; it is not sent at all.
    page.invokeMethodAsync('UploadStarted', file.name, file.size);
    if (file.size > maxBytes) return;

    const xhr = new XMLHttpRequest();
    let lastPercent = -1;

    xhr.upload.addEventListener('progress', e => {
        if (!e.lengthComputable) return;
        const percent = Math.floor(e.loaded * 100 / e.total);
        if (percent === lastPercent) return;
        lastPercent = percent;
        page.invokeMethodAsync('UploadProgress', e.loaded, e.total);
    });
    xhr.addEventListener('load', () => {
        const json = (xhr.getResponseHeader('Content-Type') || '').includes('json');
        page.invokeMethodAsync('UploadFinished', xhr.status, json ? xhr.responseText : null);
    });
    xhr.addEventListener('error', () => page.invokeMethodAsync('UploadFinished', 0, null));
    xhr.addEventListener('abort', () => page.invokeMethodAsync('UploadFinished', -1, null));

    const query = new URLSearchParams({ name: file.name });
    xhr.open('POST', `${uploadPath}?${query}`);
    xhr.setRequestHeader('X-FineTune-Upload', '1');
    xhr.setRequestHeader('Content-Type', 'application/octet-stream');
    xhr.send(file);
}

// a poster decoded from WebP by @jsquash/webp (libwebp compiled to wasm), drawn into a canvas
import decode from __DECODER__;
const canvas = document.getElementById('poster-webp');
const image = await decode(await (await fetch(__URL__)).arrayBuffer());
canvas.width = image.width;
canvas.height = image.height;
canvas.getContext('2d').putImageData(image, 0, 0);
canvas.setAttribute('data-decoded', 'ok');

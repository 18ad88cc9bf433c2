// Just enough of an x86 boot header for a kernel release to be read: "HdrS" at 0x202, and at 0x20e the
// offset (minus 0x200) of the version string.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../../helpers.js';

export function fakeBzImage(version: string, magic = 'HdrS'): string {
	const image = Buffer.alloc(0x4000);
	image.write(magic, 0x202, 'latin1');
	image.writeUInt16LE(0x3000 - 0x200, 0x20e);
	image.write(`${version}\0`, 0x3000, 'latin1');
	const path = join(tempDir('fkt-bz-'), 'bzImage');
	writeFileSync(path, image);
	return path;
}

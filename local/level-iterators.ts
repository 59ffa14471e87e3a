// dynalite (4.0.0) turns LevelDB iterators into streams and, when a stream ends or is destroyed,
// closes the iterator through `iterator.return()`. abstract-level 3's iterators have `close()` and no
// `return()`, so none was ever closed: every Query and Scan left a native iterator open, pinning
// LevelDB's memtables and files, and the runtime's memory grew with everything it wrote (about
// 3 MB a minute under a light steady load). Giving the iterators the `return()` dynalite calls
// closes each one when its stream is done.
import { AbstractIterator, AbstractKeyIterator, AbstractValueIterator } from 'abstract-level';

interface Closable {
  close(): Promise<void>;
  return?: () => Promise<void>;
}

export function closeLevelIteratorsOnReturn(): void {
  for (const iterator of [AbstractIterator, AbstractKeyIterator, AbstractValueIterator]) {
    const prototype = iterator.prototype as unknown as Closable;
    prototype.return ??= function (this: Closable) {
      return this.close();
    };
  }
}

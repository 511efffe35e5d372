(function(){let e=document.createElement(`link`).relList;if(e&&e.supports&&e.supports(`modulepreload`))return;for(let e of document.querySelectorAll(`link[rel="modulepreload"]`))n(e);new MutationObserver(e=>{for(let t of e)if(t.type===`childList`)for(let e of t.addedNodes)e.tagName===`LINK`&&e.rel===`modulepreload`&&n(e)}).observe(document,{childList:!0,subtree:!0});function t(e){let t={};return e.integrity&&(t.integrity=e.integrity),e.referrerPolicy&&(t.referrerPolicy=e.referrerPolicy),t.credentials=e.crossOrigin===`use-credentials`?`include`:e.crossOrigin===`anonymous`?`omit`:`same-origin`,t}function n(e){if(e.ep)return;e.ep=!0;let n=t(e);fetch(e.href,n)}})();var e,t,n,r,i,a,o,s,c,l,u=Symbol.for(`pv`),d={},f=[],p=/^m(i|n|o|s|text|space)$/,m=Array.isArray,h=f.slice,g=Object.assign;function _(e){e&&e.parentNode&&e.remove()}function v(n,r,i,a,o){var s={type:n,props:r,key:i,ref:a,__k:null,__:null,__b:0,__e:null,__c:null,constructor:u,__v:o||++t,__i:-1,__u:0};return!o&&e.vnode&&e.vnode(s),s}function y(e){return e.children}function b(e,t){this.props=e,this.context=t,this.__g=0}function x(e,t){if(t==null)return e.__&&x(e.__,e.__i+1);for(var n;t<e.__k.length;t++)if((n=e.__k[t])&&n.__e)return n.__e;return typeof e.type!=`function`||e.props.__P?null:x(e)}function S(t){var n,r=t.__v,i=r.__e,a=[],o=[],s=t.__P;s&&((n=g({constructor:u},r)).__v=r.__v+1,e.vnode&&e.vnode(n),j(s,n,r,t.__n,s.namespaceURI,32&r.__u?[i]:null,a,i||x(r),32&r.__u,o),n.__v=r.__v,n.__.__k[n.__i]=n,M(a,n,o),r.__=r.__e=null,n.__e!=i&&C(n))}function C(e){if((e=e.__)&&e.__c&&!e.props.__P)return e.__e=null,e.__k.some(function(t){return t&&(e.__e=t.__e)}),C(e)}function w(t){(8&t.__g||(t.__g|=8,n.push(t),i++))&&r==e.debounceRendering||((r=e.debounceRendering)||queueMicrotask)(T)}function T(){try{for(var e,t=1;n.length;)n.length>t&&n.sort(a),e=n.shift(),t=n.length,8&e.__g&&S(e)}finally{(i=n.length)&&(r||queueMicrotask)(T)}}function ee(e,t,n,r,i,a,o,s,c,l,u){var p,m,h,g,_,v,y=r.__k||f,b=t.length;for(c=E(n,t,y,c,b),p=0;p<b;p++)(h=n.__k[p])!=null&&(m=~h.__i&&y[h.__i]||d,h.__i=p,v=j(e,h,m,i,a,o,s,c,l,u),g=h.__e,(m.ref!=h.ref||8&m.__u)&&(m.ref&&N(m.ref,null,h,m),h.ref&&u.push(h.ref,h.__c||g,h)),_||=g,4&h.__u?(c=D(h,c,e,!m.__v),m.__e&&(m.__e=null)):typeof h.type==`function`&&v!==void 0?c=v:g&&(c=g.nextSibling),h.__u&=-21);return n.__e=_,c}function E(e,t,n,r,i){var a,o,s,c,l,d,f,p,h,g=n.length,_=g,b=0,S=0,C=e.__k=Array(i);for(a=0;a<i;a++)(o=t[a])!=null&&typeof o!=`boolean`&&typeof o!=`function`?(typeof o!=`object`||o.constructor===String?o=C[a]=v(null,o):m(o)?o=C[a]=v(y,{children:o}):o.constructor===u&&o.__b?o=C[a]=v(o.type,o.props,o.key,o.ref,o.__v):C[a]=o,c=a+b,o.__=e,o.__b=e.__b+1,s=null,~(l=o.__i=O(o,n,c,_))&&(_--,(s=n[l])&&(s.__u|=2)),s&&s.__v?(o.__u|=16,l==c-1?b--:l==c+1?b++:l!=c&&(l>c?b--:b++,S=1)):(~l||(i>g?b--:i<g&&b++),typeof o.type!=`function`&&(o.__u|=4))):C[a]=null;if(S){for(d=[],f=[],a=0;a<i;a++)if((o=C[a])&&16&o.__u){for(b=0,p=d.length;b<p;)d[h=b+p>>1]<o.__i?b=h+1:p=h;d[b]=o.__i,f[a]=b+1}for(b=d.length;a--;)f[a]&&(f[a]==b?b--:C[a].__u|=4)}if(_)for(a=0;a<g;a++)!(s=n[a])||2&s.__u||(s.__e==r&&(r=x(s)),ae(s,s));return r}function D(e,t,n,r){var i,a,o,s;if(typeof e.type==`function`){if(e.props.__P)return t;if(i=e.__k)for(a=0;a<i.length;a++)i[a]&&(i[a].__=e,t=D(i[a],t,n,!1));return t}for(t&&!t.parentNode&&(t=x(e))&&!t.parentNode&&(t=null),o=e.__e,s=t;s&&s.nodeType==8;)s=s.nextSibling;for(o!=s&&(!r&&n.moveBefore&&o.parentNode?n.moveBefore(o,t):n.insertBefore(o,t||null)),t=o;(t&&=t.nextSibling)&&t.nodeType==8&&!t.data.startsWith(`$s`););return t}function O(e,t,n,r){var i,a=e.key,o=e.type,s=t[n],c=s&&!(2&s.__u);if(s===null&&a==null||c&&a==s.key&&o==s.type)return n;if(r>+!!c){for(i=n-1;i>=0;i--)if((s=t[i])&&!(2&s.__u)&&a==s.key&&o==s.type)return i;for(i=n+1;i<t.length;i++)if((s=t[i])&&!(2&s.__u)&&a==s.key&&o==s.type)return i}return-1}function k(e,t,n){n??=``,t[0]==`-`?e.setProperty(t,n):e[t]=n}function A(e,t,n,r,i){var a,o;if(t==`style`){if(typeof n==`string`)e.style.cssText=n;else{if(typeof r==`string`&&(e.style.cssText=r=``),r)for(t in r)n&&t in n||k(e.style,t);if(n)for(t in n)r&&n[t]==r[t]||k(e.style,t,n[t])}}else if(t[0]==`o`&&t[1]==`n`)typeof n!=`function`&&(n=null),typeof r!=`function`&&(r=null),(e.__e||={})[t]=n,n&&r||(o=l[t]||(l[t]=te(t)),(e.__a||={})[t]=c,a=t!=(t=t.replace(s,`$1`)),(t=t.slice(2))[0]<`a`&&(t=t.toLowerCase()),n?e.addEventListener(t,o,a):e.removeEventListener(t,o,a));else{if(i==`http://www.w3.org/2000/svg`)t=t.replace(/xlink(H|:h)/,`h`).replace(/sName$/,`s`);else if(t!=`width`&&t!=`height`&&t!=`href`&&t!=`list`&&t!=`form`&&t!=`tabIndex`&&t!=`download`&&t!=`rowSpan`&&t!=`colSpan`&&t!=`role`&&t!=`popover`&&t in e)try{e[t]=n??``;return}catch{}if(typeof n==`function`)return;n==null||!1===n&&t[4]!=`-`?e.removeAttribute(t):e.setAttribute(t,t==`popover`&&n==1?``:n)}}function te(t){return function(n){var r=this.__e;if(r){if(r=r[t],n[o]==null)n[o]=c++;else if(n[o]<this.__a[t])return;return r(e.event?e.event(n):n)}}}function j(t,n,r,i,a,o,s,c,l,d){var p,h,v,S,C,w,T,E,D,O,k,A,te,j,M,N,P,F,I=n.type;if(n.constructor!==u)return null;128&r.__u&&(l=32&r.__u,p=r.__c.__z)&&(n.__u|=l,h=o=[],p.nodeType==8?c=ne(p,o):o.push(p),c=o[0]||c),(p=e.__b)&&p(n);n:if(typeof I==`function`){v=s.length;try{if(E=n.props,D=(p=I.prototype)&&p.render,O=(p=I.contextType)&&i[p.__c],k=p?O?O.props.value:p.__:i,(S=r.__c)?(n.__c=S,2&S.__g&&(S.__g|=1)):(D?n.__c=S=new I(E,k):(n.__c=S=new b(E,k),S.constructor=I,S.render=oe),O&&O.sub(S),S.state||(S.state={}),S.__n=i,S.__g|=8,S.__h=[],S.__k=[]),D&&(S.__s||(S.__s=S.state),I.getDerivedStateFromProps&&(S.__s==S.state&&(S.__s=g({},S.__s)),g(S.__s,I.getDerivedStateFromProps(E,S.__s)))),C=S.props,w=S.state,S.__v=n,r.__c){if(E!==C&&D&&!I.getDerivedStateFromProps&&S.componentWillReceiveProps&&S.componentWillReceiveProps(E,k),n.__v==r.__v&&!(8&S.__g)||!(4&S.__g)&&S.shouldComponentUpdate&&!1===S.shouldComponentUpdate(E,S.__s,k)){n.__v!=r.__v&&(S.props=E,S.state=S.__s,S.__g&=-9),n.__e=r.__e,n.__k=r.__k,n.__k.some(function(e){e&&(e.__=n)}),f.push.apply(S.__h,S.__k),S.__k=[],S.__h.length&&s.push(S),c=x(r);break n}S.componentWillUpdate&&S.componentWillUpdate(E,S.__s,k),D&&S.componentDidUpdate&&S.__h.push(function(){S.componentDidUpdate(C,w,T)})}else D&&!I.getDerivedStateFromProps&&S.componentWillMount&&S.componentWillMount(),D&&S.componentDidMount&&S.__h.push(S.componentDidMount);S.context=k,S.props=E,S.__P=t,S.__g&=-5,A=e.__r,te=D?25:0;do S.__g&=-9,A&&A(n),p=S.render(S.props,S.state=S.__s,S.context);while(8&S.__g&&++te<25);D&&(f.push.apply(S.__h,S.__k),S.__k=[]),S.state=S.__s,S.getChildContext&&(i=g({},i,S.getChildContext())),D&&r.__c&&S.getSnapshotBeforeUpdate&&(T=S.getSnapshotBeforeUpdate(C,w)),j=p&&p.type===y&&p.key==null?p.props.children:p,E.__P&&(p=c,a=(t=E.__P).namespaceURI,l=o=null,r.props&&r.props.__P!=t&&(r.__k.some(function(e){e&&ae(e,e)}),r.__k=null),c=r.__k?x(r,0):null),c=ee(t,m(j)?j:[j],n,r,i,a,o,s,c,l,d),E.__P&&(n.__e=null,c=p),n.__u&=-161,h&&h.some(_),S.__h.length&&s.push(S),1&S.__g&&(S.__g&=-4)}catch(t){if(s.length=v,n.__v=null,l||o){if(t&&t.then){if(n.__u|=128|l,o){for(~(P=o.indexOf(c||void 0))||(P=o.length);(F=o[P-1])&&F.nodeType==8;)P--;for(;P<o.length;P++)if(F=o[P]){if(o[P]=null,M){if(F==N)break}else{if(F.nodeType!=8)break;F.data.startsWith(`$s`)&&(N=ne(M=F))}}}if(!M){for(;c&&c.nodeType==8&&c.nextSibling;)c=c.nextSibling;M=c}(p=ne(M=n.__c.__z||(n.__c.__z=M)))?(n.__e=M,c=p):n.__e=c,c&&=c.nextSibling}else o&&o.some(_)}else n.__e=r.__e;n.__k||=r.__k||[],t&&t.then||re(n),e.__e(t,n,r)}}else c=n.__e=ie(r.__e,n,r,i,a,o,s,l,d,t);return(p=e.diffed)&&p(n),c}function ne(e,t){if(e&&e.nodeType==8&&e.data.startsWith(`$s`))for(var n=1;e=e.nextSibling;){if(e.nodeType==8){if(e.data.startsWith(`$s`))n++;else if(e.data.startsWith(`/$s`)&&!--n)return e}t&&t.push(e)}}function re(e){e&&(e.__c&&(e.__c.__g|=4),e.__k&&e.__k.some(re))}function M(t,n,r){for(var i=0;i<r.length;)N(r[i++],r[i++],r[i++]);e.__c&&e.__c(n,t),t.some(function(n){try{t=n.__h,n.__h=[],t.some(function(e){e.call(n)})}catch(t){e.__e(t,n.__v)}})}function ie(t,n,r,i,a,o,s,c,l,u){var f,g,v,y,b,S,C,w,T=r.props||d,E=n.props,D=n.type;if(D==`svg`?a=`http://www.w3.org/2000/svg`:D==`math`?a=`http://www.w3.org/1998/Math/MathML`:a||=`http://www.w3.org/1999/xhtml`,o){for(f=0;f<o.length;f++)if((b=o[f])&&(D?b.localName==D:b.nodeType==3)){t=b,o[f]=null;break}}if(!t){if(w=u.ownerDocument||document,!D)return w.createTextNode(E);t=w.createElementNS(a,D,E.is?E:u),c&&=(e.__m&&e.__m(n,o),!1),o=null}if(D){if(u=D==`template`&&t.content||t,o=D==`textarea`&&E.defaultValue!=null?null:o&&h.call(u.childNodes),!c&&o)for(T={},f=0;f<t.attributes.length;f++)T[(b=t.attributes[f]).name]=b.value;for(f in T)b=T[f],f==`dangerouslySetInnerHTML`?v=b:f==`children`||f in E||f==`value`&&`defaultValue`in E||f==`checked`&&`defaultChecked`in E||A(t,f,null,b,a);for(f in E)b=E[f],f==`children`?y=b:f==`dangerouslySetInnerHTML`?g=b:f==`value`?S=b:f==`checked`?C=b:c&&typeof b!=`function`||T[f]===b||A(t,f,b,T[f],a);g?(c||v&&(g.__html==v.__html||g.__html==t.innerHTML)||(t.innerHTML=g.__html),n.__k=[]):(v&&(t.textContent=``),(D==`foreignObject`||a==`http://www.w3.org/1998/Math/MathML`&&p.test(D))&&(a=`http://www.w3.org/1999/xhtml`),ee(u,m(y)?y:[y],n,r,i,a,o,s,o?o[0]:r.__k&&x(r,0),c,l),o&&o.some(_)),c&&D!=`textarea`||(f=`value`,D==`progress`&&S==null?t.removeAttribute(f):S==null||S===t[f]&&(D!=`progress`||S)||A(t,f,S,T[f],a),f=`checked`,C!=null&&C!=t[f]&&A(t,f,C,T[f],a))}else T===E||c&&t.data==E||(t.data=E);return t}function N(t,n,r,i){try{typeof t==`function`?n?n.__x=t(n)||1:(i&&=i.__c||i.__e)&&(n=i.__x)&&(i.__x=null,typeof n==`function`?n():t(null)):t.current=n}catch(t){e.__e(t,r)}}function ae(t,n,r){var i,a,o,s;if(e.unmount&&e.unmount(t),!(i=t.ref)||i.current&&i.current!=t.__e||N(i,null,n,t),i=t.__c){if(i.componentWillUnmount)try{i.componentWillUnmount()}catch(t){e.__e(t,n)}i.__P=i.__n=null}if(i=t.__k)for(s=0;s<i.length;s++)i[s]&&ae(i[s],n,typeof t.type!=`function`||r&&!t.props.__P);!r&&(i=t.__c)&&(i=i.__z)&&(a=ne(i,o=[]))&&(i==t.__e&&o.some(_),_(a),_(i)),r||_(t.__e),t.__e=t.__c=t.__=null}function oe(e,t,n){return this.constructor(e,n)}function P(t,n){var r,i,a,o;e.__&&e.__(t,n),n.nodeType==9&&(n=n.documentElement),i=(r=t&&32&t.__u)?null:n.__k,n.__k=v(y,{children:[t]}),a=[],o=[],j(n,n.__k,i||d,d,n.namespaceURI,i?null:n.firstChild?h.call(n.childNodes):null,a,i?i.__e:n.firstChild,r,o),M(a,n.__k,o),n.__k.props.children=null}e={__e:function(e,t,n,r){for(var a,o,s;t=t.__;)if((a=t.__c)&&!(1&a.__g)){a.__g|=4;try{if((s=(o=a.constructor)&&o.getDerivedStateFromError)&&a.setState(o.getDerivedStateFromError(e)),a.componentDidCatch&&(a.componentDidCatch(e,r||{}),s=1),s&&8&a.__g)return void(a.__g|=2)}catch(t){e=t}}throw i=0,e}},t=0,b.prototype.setState=function(e,t){var n=this.__s;n&&n!=this.state||(n=this.__s=g({},this.state)),typeof e==`function`&&(e=e(g({},n),this.props)),e&&(g(n,e),this.__v&&(t&&this.__k.push(t),w(this)))},b.prototype.forceUpdate=function(e){this.__v&&(this.__g|=4,e&&this.__h.push(e),w(this))},b.prototype.render=y,n=[],i=0,a=function(e,t){return e.__v.__b-t.__v.__b},o=Symbol(),s=/(PointerCapture)$|Capture$/i,c=0,l={};var F,I,se,ce,le=Object.is,L=0,ue=[],de=[],R=e,fe=R.__b,pe=R.__r,me=R.diffed,he=R.__c,ge=R.unmount,_e=R.__;function z(e,t){R.__h&&R.__h(I,e,L||t),L=0;var n=I.__H||(I.__H={__:[],__h:[]});return e>=n.__.length&&n.__.push({}),n.__[e]}function B(e){return L=1,ve(Oe,e)}function ve(e,t,n){var r=z(F++,2);if(r.t=e,!r.__c&&(r.__=[n?n(t):Oe(void 0,t),function(e){var t=(r.__N||r.__)[0],n=r.t(t,e);le(t,n)||(r.__N=[n,r.__[1]],r.__c.setState({}))}],r.__c=I,!I.__f)){I.__f=!0;var i=I.shouldComponentUpdate;I.shouldComponentUpdate=function(e,t,n){var r=this.__H;if(!r)return!0;var a=!1,o=this.props!=e;if(r.__.some(function(e){e.__N&&(a=!0,le(e.__[0],e.__N[0])||(o=!0))}),i){var s=i.call(this,e,t,n);return a?s||o:s}return!a||o}}return r.__}function V(e,t){var n=z(F++,3);!R.__s&&De(n.__H,t)&&(n.__P=!0,n.__=e,n.u=t,I.__H.__h.push(n))}function H(e){return L=5,ye(function(){return{current:e}},[])}function ye(e,t){var n=z(F++,7);return De(n.__H,t)&&(n.__=e(),n.__H=t),n.__}function be(e,t){return L=8,ye(function(){return e},t)}function xe(e){var t=z(F++,10),n=B();return t.__=e,I.componentDidCatch||(I.componentDidCatch=function(e,r){t.__&&t.__(e,r),n[1](e)}),[n[0],function(){return n[1]()}]}function Se(){var e;do{for(;e=de.shift();)try{U(e)}catch(t){R.__e(t,{__:(e=e.__P)&&e.__v})}for(;e=ue.shift();){var t=e.__H;if(e.__P&&t)try{t.__h.some(U),t.__h.some(Ee),t.__h=[]}catch(n){t.__h=[],R.__e(n,e.__v)}}}while(de.length)}R.__b=function(e){I=null,fe&&fe(e)},R.__=function(e,t){e&&t.__k&&t.__k.__m&&(e.__m=t.__k.__m),_e&&_e(e,t)},R.__r=function(e){pe&&pe(e),F=0;var t=(I=e.__c).__H;t&&(se==I?I.__h=[]:(t.__h.some(U),t.__h.some(Ee),F=0),t.__h=[],t.__.some(function(e){e.__N&&(e.__=e.__N),e.u=e.__N=void 0})),se=I},R.diffed=function(e){me&&me(e);var t=e.__c;t&&t.__H&&(t.__H.__h.length&&Te(ue.push(t)),t.__H.__.some(function(e){e.u&&(e.__H=e.u)})),se=I=null},R.__c=function(e,t){t.some(function(e){try{e.__h.some(U),e.__h=e.__h.filter(function(e){return!e.__||Ee(e)})}catch(t){e.__h=[function(){throw t}]}}),he&&he(e,t)},R.unmount=function(e){ge&&ge(e);var t,n,r=e.__c;r&&r.__H&&(r.__H.__.some(function(r){try{if(r.__P&&r.__c){if(n===void 0){for(n=e.__;n&&(!n.__c||!n.__c.__P);)n=n.__;n&&=n.__c}r.__P=n,Te(de.push(r))}else U(r)}catch(e){t=e}}),r.__H=void 0,t&&R.__e(t,r.__v))};var Ce=typeof requestAnimationFrame==`function`;function we(e){var t,n=function(){clearTimeout(r),Ce&&cancelAnimationFrame(t),setTimeout(e)},r=setTimeout(n,35);Ce&&(t=requestAnimationFrame(n))}function Te(e){e!=1&&ce==R.requestAnimationFrame||((ce=R.requestAnimationFrame)||we)(Se)}function U(e){var t=I,n=e.__c;typeof n==`function`&&(e.__c=void 0,n()),I=t}function Ee(e){var t=I;e.__c=e.__(),I=t}function De(e,t){return!e||e.length!=t.length||t.some(function(t,n){return!le(t,e[n])})}function Oe(e,t){return typeof t==`function`?t(e):t}var W=class extends String{__apiType;value;__meta__;constructor(e,t){super(e),this.value=e,this.__meta__=t}toString(){return this.value}};new W(`
    fragment ToolCallFields on ToolCall {
  id
  name
  arguments
  signature
}
    `,{fragmentName:`ToolCallFields`}),new W(`
    fragment MemoryFields on Memory {
  id
  content
  role
  metadata
  createdAt
  tokens
  vault {
    id
    kind
    externalId
  }
}
    `,{fragmentName:`MemoryFields`}),new W(`
    fragment VaultFields on Vault {
  id
  kind
  externalId
  memoryCount
  storageBytes
  embeddingModel
  dimensions
  capacity
  lastWriteAt
  expiresAt
  exportUrl
}
    `,{fragmentName:`VaultFields`});var ke=new W(`
    subscription ChatStream($input: ChatInput!) {
  chat(input: $input) {
    delta
    toolCall {
      ...ToolCallFields
    }
    done
    result {
      content
      model
      provider
      finishReason
      toolCalls {
        ...ToolCallFields
      }
      usage {
        inputTokens
        outputTokens
      }
      memory {
        memoryTokens
        hits {
          score
          window
          outdated {
            since
            replacedBy {
              id
              content
            }
          }
          memory {
            ...MemoryFields
          }
        }
        turn {
          stored
          memories
          reason
          message
        }
        facts {
          extracted
          added {
            id
            content
            supersedes
          }
          updated {
            id
            content
            supersedes
          }
          superseded
          deleted
          unchanged
          refused
          rejected
          failure {
            reason
            message
          }
          inputTokens
          outputTokens
        }
      }
    }
  }
}
    fragment ToolCallFields on ToolCall {
  id
  name
  arguments
  signature
}
fragment MemoryFields on Memory {
  id
  content
  role
  metadata
  createdAt
  tokens
  vault {
    id
    kind
    externalId
  }
}`),Ae=new W(`
    mutation StoreMemories($inputs: [StoreMemoryInput!]!, $idempotencyKey: String, $extract: ExtractInput) {
  storeMemories(
    inputs: $inputs
    idempotencyKey: $idempotencyKey
    extract: $extract
  ) {
    ...MemoryFields
  }
}
    fragment MemoryFields on Memory {
  id
  content
  role
  metadata
  createdAt
  tokens
  vault {
    id
    kind
    externalId
  }
}`),je=new W(`
    mutation UpdateMemory($input: UpdateMemoryInput!) {
  updateMemory(input: $input) {
    ...MemoryFields
  }
}
    fragment MemoryFields on Memory {
  id
  content
  role
  metadata
  createdAt
  tokens
  vault {
    id
    kind
    externalId
  }
}`),Me=new W(`
    mutation DeleteMemory($id: ID!) {
  deleteMemory(id: $id)
}
    `),Ne=new W(`
    mutation DeleteMemories($ids: [ID!]!) {
  deleteMemories(ids: $ids) {
    count
    deletedIds
    notFoundIds
  }
}
    `),Pe=new W(`
    query Memory($id: ID!) {
  memory(id: $id) {
    ...MemoryFields
  }
}
    fragment MemoryFields on Memory {
  id
  content
  role
  metadata
  createdAt
  tokens
  vault {
    id
    kind
    externalId
  }
}`),Fe=new W(`
    subscription MemoryEvents($vault: VaultSelector!, $lastEventId: ID) {
  memoryEvents(vault: $vault, lastEventId: $lastEventId) {
    id
    type
    memoryId
    content
    supersededBy
    at
  }
}
    `),Ie=new W(`
    query Search($input: SearchInput!) {
  search(input: $input) {
    memoryTokens
    notice {
      reason
      message
    }
    hits {
      score
      window
      outdated {
        since
        replacedBy {
          id
          content
        }
      }
      memory {
        ...MemoryFields
      }
    }
  }
}
    fragment MemoryFields on Memory {
  id
  content
  role
  metadata
  createdAt
  tokens
  vault {
    id
    kind
    externalId
  }
}`),Le=new W(`
    query Usage($from: DateTime, $to: DateTime) {
  usage(from: $from, to: $to) {
    memoryTokens
    costUsd
    days {
      date
      memoryTokens
    }
    keys {
      keyId
      memoryTokens
      days {
        date
        memoryTokens
      }
    }
  }
}
    `),Re=new W(`
    query Me {
  me {
    id
    name
    createdAt
    revokedAt
  }
}
    `),ze=new W(`
    query Vaults($first: Int) {
  vaults(first: $first) {
    ...VaultFields
  }
}
    fragment VaultFields on Vault {
  id
  kind
  externalId
  memoryCount
  storageBytes
  embeddingModel
  dimensions
  capacity
  lastWriteAt
  expiresAt
  exportUrl
}`),Be=new W(`
    query VaultsPage($first: Int, $after: String) {
  vaultsConnection(first: $first, after: $after) {
    pageInfo {
      hasNextPage
      endCursor
    }
    edges {
      cursor
      node {
        ...VaultFields
      }
    }
  }
}
    fragment VaultFields on Vault {
  id
  kind
  externalId
  memoryCount
  storageBytes
  embeddingModel
  dimensions
  capacity
  lastWriteAt
  expiresAt
  exportUrl
}`),Ve=new W(`
    query VaultMemories($selector: VaultSelector!, $first: Int, $after: String, $order: MemoryOrder, $filter: MemoryFilter) {
  vault(selector: $selector) {
    ...VaultFields
    memories(first: $first, after: $after, order: $order, filter: $filter) {
      totalCount
      pageInfo {
        hasNextPage
        endCursor
      }
      edges {
        cursor
        node {
          ...MemoryFields
        }
      }
    }
  }
}
    fragment MemoryFields on Memory {
  id
  content
  role
  metadata
  createdAt
  tokens
  vault {
    id
    kind
    externalId
  }
}
fragment VaultFields on Vault {
  id
  kind
  externalId
  memoryCount
  storageBytes
  embeddingModel
  dimensions
  capacity
  lastWriteAt
  expiresAt
  exportUrl
}`),He=new W(`
    mutation ClearVault($selector: VaultSelector!) {
  clearVault(selector: $selector)
}
    `),G=class extends Error{code;reason;status;extensions;name=`MemoryRouterError`;errors;constructor(e,t,n,r,i={},a=[],o){super(t,o),this.code=e,this.reason=n,this.status=r,this.extensions=i,this.errors=a}};function K(e,...t){return e instanceof G&&(t.length===0||t.includes(e.code))}var q=e=>typeof e==`string`?e:void 0;function Ue(e,t){let n=e[0]??{message:`the server reported an error without a message`},r=n.extensions??{};return new G(q(r.code)??`INTERNAL_SERVER_ERROR`,n.message,q(r.reason),t,r,e)}async function We(e){let t=await e.json().catch(()=>null);if(typeof t==`object`&&t){let{error:n,errors:r}=t;if(Array.isArray(r)&&r.length>0)return Ue(r,e.status);if(typeof n==`object`&&n){let t=n;return new G(q(t.code)??`UNEXPECTED_RESPONSE`,q(t.message)??`HTTP ${e.status}`,q(t.reason),e.status,t)}}return new G(`UNEXPECTED_RESPONSE`,`HTTP ${e.status} ${e.statusText}`.trim(),void 0,e.status)}function Ge(e,t){return new G(`NETWORK_ERROR`,`could not reach ${e}: ${t instanceof Error?t.message:String(t)}`,void 0,void 0,{},[],{cause:t})}function Ke(e){let t=[...e.replace(/[\t\n\r ]+$/,``)],n=t.findIndex(e=>{let t=e.codePointAt(0);return t>255||t===0||t===10||t===13});if(n===-1)return null;let r=t[n],i=r.codePointAt(0);return new G(`INVALID_KEY`,`the memory key cannot be sent: it holds ${`U+${i.toString(16).toUpperCase().padStart(4,`0`)}${i>255?` (${r})`:``}`} at character ${n+1}, which no HTTP header can carry; a memory key is plain ASCII (mk_…), copy it whole as \`memoryrouter keys create\` printed it`,void 0,void 0)}var qe=`application/x-ndjson, application/json;q=0.9`;async function Je(e,t){if(!e.ok)throw await We(e);if(!(e.headers.get(`content-type`)??``).includes(`ndjson`)||e.body===null)return Ye(await e.json());let n=null;for await(let r of Xe(e.body)){let i=JSON.parse(r);if(i.type===`progress`)t(i);else if(i.type===`report`)n=Ye(i);else if(i.type===`error`){let t=i.error??{};throw new G(t.code??`INTERNAL_SERVER_ERROR`,String(t.message??`the import stopped`),typeof t.reason==`string`?t.reason:void 0,e.status,t)}}if(n===null)throw new G(`NETWORK_ERROR`,`the import stream ended before its report`,void 0,e.status);return n}function Ye(e){let t=e;if(typeof t.imported!=`number`)throw new G(`UNEXPECTED_RESPONSE`,`the import answer has no report`,void 0,void 0);return{imported:t.imported,skipped:t.skipped??0,failed:t.failed??0,failures:t.failures??[],memoryTokens:t.memoryTokens??0,embeddingModel:t.embeddingModel??null,dimensions:t.dimensions??null}}async function*Xe(e){let t=e.getReader(),n=new TextDecoder,r=``;try{for(;;){let{done:e,value:i}=await t.read();if(e)break;r+=n.decode(i,{stream:!0});let a;for(;(a=r.indexOf(`
`))>=0;){let e=r.slice(0,a).trim();r=r.slice(a+1),e!==``&&(yield e)}}r.trim()!==``&&(yield r.trim())}finally{t.releaseLock()}}function Ze(e,t){let n=e.kind.toLowerCase();if(e.kind===`CORE`)return`/v1/vaults/${n}/${t}`;if(!e.id)throw TypeError(`a ${e.kind} vault needs an id`);return`/v1/vaults/${n}/${encodeURIComponent(e.id)}/${t}`}var Qe=1<<20;async function $e(e,t,n,r={}){let i=(typeof n==`string`?n:await n.text()).split(`
`);i.at(-1)===``&&i.pop();let a=e.baseUrl+Ze(t,`import`),o={imported:0,skipped:0,failed:0,failures:[],memoryTokens:0,embeddingModel:null,dimensions:null},s=``,c=(e,t={imported:0,skipped:0,failed:0})=>{let n={linesDone:e,totalLines:i.length,imported:o.imported+t.imported,skipped:o.skipped+t.skipped,failed:o.failed+t.failed},a=JSON.stringify(n);a!==s&&(s=a,r.onProgress?.(n))},l=nt(i[0]),u=l?tt(i):-1,d=l?await et(i,u):void 0;u!==-1&&i.splice(u,1),c(0);for(let{start:t,part:n}of rt(i,r.linesPerRequest??500)){let i=+(d!==void 0&&t>0),s=d===void 0?n:[d,...t>0?n:n.slice(1)],l=await Je(await e.send(a,{method:`POST`,headers:e.headers({"content-type":`application/x-ndjson`,accept:qe}),body:`${s.join(`
`)}\n`,...r.signal?{signal:r.signal}:{}}),e=>c(t+Math.max(0,e.line-i),e));o.imported+=l.imported,o.skipped+=l.skipped,o.failed+=l.failed,o.memoryTokens+=l.memoryTokens,o.embeddingModel=l.embeddingModel,o.dimensions=l.dimensions;for(let e of l.failures)o.failures.push({...e,line:e.line-i+t});c(t+n.length)}return o}async function et(e,t){let n=JSON.parse(e[0]),r=t===-1?null:JSON.parse(e[t]),i=e.slice(1,t===-1?void 0:t).map(e=>e.endsWith(`\r`)?e.slice(0,-1):e).filter(e=>e.trim()!==``),a=(e,t)=>new G(`BAD_USER_INPUT`,`${e}; nothing was imported`,t,void 0);if(n.checksum===null&&r===null)throw a(`the file ends without the export's last line (its trailer): it was cut short`,`COUNT_MISMATCH`);let o=r?.count??n.count,s=r?.checksum??n.checksum;if(typeof o==`number`&&o!==i.length)throw a(`the file says ${o} memory lines; it has ${i.length}`,`COUNT_MISMATCH`);if(typeof s==`string`){let e=new TextEncoder().encode(i.map(e=>`${e}\n`).join(``)),t=new Uint8Array(await crypto.subtle.digest(`SHA-256`,e));if(s!==`sha256:${Array.from(t,e=>e.toString(16).padStart(2,`0`)).join(``)}`)throw a(`the memory lines do not match the file's checksum (a line was changed, added or lost)`,`CHECKSUM_MISMATCH`)}return delete n.count,delete n.checksum,JSON.stringify(n)}function tt(e){let t=e.length-1;for(;t>0&&e[t].trim()===``;)t--;return t<=0||!nt(e[t])?-1:JSON.parse(e[t]).trailer===!0?t:-1}function nt(e){if(e===void 0)return!1;try{let t=JSON.parse(e);return typeof t==`object`&&!!t&&t.format===`memoryrouter.vault`}catch{return!1}}function*rt(e,t){let n=0;for(;n<e.length;){let r=n,i=0;for(;r<e.length&&r-n<t&&(i+=e[r].length+1,!(i>Qe&&r>n));)r++;yield{start:n,part:e.slice(n,r)},n=r}}function it(e){return typeof e==`object`&&!!e}var at=`x-graphql-event-stream-token`;function ot(e){if(e=e,e!==`next`&&e!==`complete`)throw Error(`Invalid stream event "${e}"`);return e}function st(e,t){if(t)try{t=JSON.parse(t)}catch{throw Error(`Invalid stream data`)}if(e===`next`&&!t)throw Error(`Stream data must be an object for "next" events`);return t||null}var J;(function(e){e[e.NewLine=10]=`NewLine`,e[e.CarriageReturn=13]=`CarriageReturn`,e[e.Space=32]=`Space`,e[e.Colon=58]=`Colon`})(J||={});function ct(){let e,t,n,r=!1,i={event:``,data:``},a=[],o=new TextDecoder;return function(s){if(e===void 0)e=s,t=0,n=-1;else{let t=new Uint8Array(e.length+s.length);t.set(e),t.set(s,e.length),e=t}let c=e.length,l=0;for(;t<c;){r&&=(e[t]===J.NewLine&&(l=++t),!1);let s=-1;for(;t<c&&s===-1;++t)switch(e[t]){case J.Colon:n===-1&&(n=t-l);break;case J.CarriageReturn:r=!0;case J.NewLine:s=t}if(s===-1)break;if(l===s){if(i.event||i.data){if(!i.event)throw Error(`Missing message event`);let e=ot(i.event),t=st(e,i.data);a.push({event:e,data:t}),i={event:``,data:``}}}else if(n>0){let t=e.subarray(l,s),r=o.decode(t.subarray(0,n)),a=n+(t[n+1]===J.Space?2:1),c=o.decode(t.subarray(a));switch(r){case`event`:i.event=c;break;case`data`:i.data=i.data?i.data+`
`+c:c}}l=t,n=-1}if(l===c){e=void 0;let t=[...a];return a=[],t}l!==0&&(e=e.subarray(l),t-=l)}}function lt(e){let{singleConnection:t=!1,lazy:n=!0,lazyCloseTimeout:r=0,onNonLazyError:i=console.error,generateID:a=function(){return`xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx`.replace(/[xy]/g,e=>{let t=Math.random()*16|0;return(e==`x`?t:t&3|8).toString(16)})},retryAttempts:o=5,retry:s=async function(e){let t=1e3;for(let n=0;n<e;n++)t*=2;await new Promise(e=>setTimeout(e,t+Math.floor(Math.random()*2700+300)))},credentials:c=`same-origin`,referrer:l,referrerPolicy:u,onMessage:d,on:f}=e,p=e.fetchFn||fetch,m=e.abortControllerImpl||AbortController,h=(()=>{let e=!1,t=[];return{get disposed(){return e},onDispose(n){return e?(setTimeout(()=>n(),0),()=>{}):(t.push(n),()=>{t.splice(t.indexOf(n),1)})},dispose(){if(!e){e=!0;for(let e of[...t])e()}}}})(),g,_,v=0,y=null,b=0;async function x(){try{if(h.disposed)throw Error(`Client has been disposed`);return await(_??=(async()=>{var t,n;if(y){if(await s(b),g.signal.aborted)throw Error(`Connection aborted by the client`);b++}(t=f?.connecting)==null||t.call(f,!!y),g=new m;let r=h.onDispose(()=>g.abort());g.signal.addEventListener(`abort`,()=>{r(),_=void 0});let i=e,a=typeof i.url==`function`?await i.url(void 0):i.url;if(g.signal.aborted)throw Error(`Connection aborted by the client`);let o=typeof i.headers==`function`?await i.headers(void 0):i.headers??{};if(g.signal.aborted)throw Error(`Connection aborted by the client`);let v;try{v=await p(a,{signal:g.signal,method:`PUT`,credentials:c,referrer:l,referrerPolicy:u,headers:o})}catch(e){throw new Y(e)}if(v.status!==201)throw new Y(v);o[at]=await v.text();let x=await dt({signal:g.signal,headers:o,credentials:c,referrer:l,referrerPolicy:u,url:a,fetchFn:p,onMessage:e=>{var t;(t=f?.message)==null||t.call(f,e),d?.(e)}});return(n=f?.connected)==null||n.call(f,!!y),x.waitForThrow().catch(()=>_=void 0),x})())}catch(e){throw _=void 0,e}}t&&!n&&(async()=>{for(v++;;)try{let{waitForThrow:e}=await x();await e()}catch(e){if(h.disposed)return;if(!(e instanceof Y)||(_=void 0,!o||b>=o))return i?.(e);y=e}})();function S(i,S,C){if(!t){let t=new m,n=h.onDispose(()=>{n(),t.abort()});return(async()=>{var n,r,a,m;let h=null,g=0;for(;;)try{if(h){if(await s(g),t.signal.aborted)throw Error(`Connection aborted by the client`);g++}(n=f?.connecting)==null||n.call(f,!!h),(r=C?.connecting)==null||r.call(C,!!h);let o=e,_=typeof o.url==`function`?await o.url(i):o.url;if(t.signal.aborted)throw Error(`Connection aborted by the client`);let v=typeof o.headers==`function`?await o.headers(i):o.headers??{};if(t.signal.aborted)throw Error(`Connection aborted by the client`);let{getResults:y}=await dt({signal:t.signal,headers:{...v,"content-type":`application/json; charset=utf-8`},credentials:c,referrer:l,referrerPolicy:u,url:_,body:JSON.stringify(i),fetchFn:p,onMessage:e=>{var t,n;(t=f?.message)==null||t.call(f,e),(n=C?.message)==null||n.call(C,e),d?.(e)}});(a=f?.connected)==null||a.call(f,!!h),(m=C?.connected)==null||m.call(C,!!h);for await(let e of y())h=null,g=0,S.next(e);return t.abort()}catch(e){if(t.signal.aborted)return;if(!(e instanceof Y)||!o||g>=o)throw e;h=e}})().then(()=>S.complete()).catch(e=>S.error(e)),()=>t.abort()}v++;let w=new m,T=h.onDispose(()=>{T(),w.abort()});return(async()=>{let e=a();i={...i,extensions:{...i.extensions,operationId:e}};let t=null;for(;;){t=null;try{let{url:n,headers:r,getResults:a}=await x(),o;try{o=await p(n,{signal:w.signal,method:`POST`,credentials:c,referrer:l,referrerPolicy:u,headers:{...r,"content-type":`application/json; charset=utf-8`},body:JSON.stringify(i)})}catch(e){throw new Y(e)}if(o.status!==202)throw new Y(o);t=async()=>{let t;try{let i=new m,a=h.onDispose(()=>{a(),i.abort()});t=await p(n+`?operationId=`+e,{signal:i.signal,method:`DELETE`,credentials:c,referrer:l,referrerPolicy:u,headers:r})}catch(e){throw new Y(e)}if(t.status!==200)throw new Y(t)};for await(let t of a({signal:w.signal,operationId:e}))y=null,b=0,S.next(t);return t=null,w.abort()}catch(e){if(w.signal.aborted)return await t?.();if(!(e instanceof Y)||(n&&(_=void 0),!o||b>=o))throw w.abort(),e;y=e}finally{w.signal.aborted&&--v===0&&(isFinite(r)&&r>0?setTimeout(()=>{v||g.abort()},r):g.abort())}}})().then(()=>S.complete()).catch(e=>S.error(e)),()=>w.abort()}return{subscribe:S,iterate(e,t){let n=[],r={done:!1,error:null,resolve:()=>{}},i=S(e,{next(e){n.push(e),r.resolve()},error(e){r.done=!0,r.error=e,r.resolve()},complete(){r.done=!0,r.resolve()}},t),a=(async function*(){for(;;){for(n.length||await new Promise(e=>r.resolve=e);n.length;)yield n.shift();if(r.error)throw r.error;if(r.done)return}})();return a.throw=async e=>(r.done||(r.done=!0,r.error=e,r.resolve()),{done:!0,value:void 0}),a.return=async()=>(i(),{done:!0,value:void 0}),a},dispose(){h.dispose()}}}var Y=class extends Error{constructor(e){let t,n;ut(e)?(n=e,t=`Server responded with `+e.status+`: `+e.statusText):t=e instanceof Error?e.message:String(e),super(t),this.name=this.constructor.name,this.response=n}};function ut(e){return it(e)&&typeof e.ok==`boolean`&&typeof e.status==`number`&&typeof e.statusText==`string`}async function dt(e){let{signal:t,url:n,credentials:r,headers:i,body:a,referrer:o,referrerPolicy:s,fetchFn:c,onMessage:l}=e,u={},d={},f;try{f=await c(n,{signal:t,method:a?`POST`:`GET`,credentials:r,referrer:o,referrerPolicy:s,headers:{...i,accept:`text/event-stream`},body:a})}catch(e){throw new Y(e)}if(!f.ok)throw new Y(f);if(!f.body)throw Error(`Missing response body`);let p=null,m;return(async()=>{var e;try{let t=ct();for await(let n of ft(f.body)){if(typeof n==`string`)throw p=Error(`Unexpected string chunk "${n}"`);let r;try{r=t(n)}catch(e){throw p=e}if(r)for(let t of r){try{l?.(t)}catch(e){throw p=e}let n=t.data&&`id`in t.data?t.data.id:``;switch(n in d||(d[n]=[]),t.event){case`next`:n?d[n].push(t.data.payload):d[n].push(t.data);break;case`complete`:d[n].push(`complete`);break;default:throw p=Error(`Unexpected message event "${t.event}"`)}(e=u[n])==null||e.proceed()}}if(Object.keys(u).length)throw Error(`Connection closed while having active streams`)}catch(e){p=!p&&Object.keys(u).length?new Y(e):e,m?.(p)}finally{Object.values(u).forEach(({proceed:e})=>e())}})(),{url:n,headers:i,waitForThrow:()=>new Promise((e,t)=>{if(p)return t(p);m=t}),async*getResults(e){let{signal:t,operationId:n=``}=e??{};try{for(;;){for(;d[n]?.length;){let e=d[n].shift();if(e===`complete`)return;yield e}if(p)throw p;if(t?.aborted)throw Error(`Getting results aborted by the client`);await new Promise(e=>{let r=()=>{t?.removeEventListener(`abort`,r),delete u[n],e()};t?.addEventListener(`abort`,r),u[n]={proceed:r}})}}finally{delete d[n]}}}}function ft(e){return typeof Object(e)[Symbol.asyncIterator]==`function`?(e=e,e):(async function*(){let t=e.getReader(),n;do n=await t.read(),n.value!==void 0&&(yield n.value);while(!n.done)})()}async function*pt(e,t,n,r={}){if(r.signal?.aborted)return;let i=lt({url:e.graphqlUrl,headers:e.headers(r.headers),fetchFn:e.fetch,retryAttempts:0}),a=i.iterate({query:t.toString(),variables:n}),o=()=>void a.return?.();r.signal?.addEventListener(`abort`,o,{once:!0});try{for(;;){let t;try{t=await a.next()}catch(t){throw await mt(e.graphqlUrl,t)}if(t.done||r.signal?.aborted)return;let{data:n,errors:i}=t.value;if(i!==void 0&&i.length>0)throw Ue(i,void 0);n!=null&&(yield n)}}finally{r.signal?.removeEventListener(`abort`,o),await a.return?.(),i.dispose()}}async function mt(e,t){if(t instanceof Y){let n=t.response;return n instanceof Response?We(n):Ge(e,t.message)}return t}var ht=class{baseUrl;graphqlUrl;fetch;key;extraHeaders;constructor(e){this.baseUrl=e.url.replace(/\/+$/,``).replace(/\/graphql$/,``),this.graphqlUrl=`${this.baseUrl}/graphql`,this.key=e.key,this.extraHeaders=e.headers??{},this.fetch=e.fetch??((e,t)=>fetch(e,t))}headers(e={}){let t=Ke(this.key);if(t!==null)throw t;return{...this.extraHeaders,authorization:`Bearer ${this.key}`,...e}}async send(e,t){try{return await this.fetch(e,t)}catch(t){throw gt(t)?t:Ge(e,t)}}async execute(e,t,n={}){let r=await this.send(this.graphqlUrl,{method:`POST`,headers:this.headers({"content-type":`application/json`,accept:`application/graphql-response+json, application/json`,...n.headers}),body:JSON.stringify({query:e.toString(),variables:t}),...n.signal?{signal:n.signal}:{}});if(!(r.headers.get(`content-type`)??``).includes(`json`))throw await We(r);let i=await r.json();if(i.errors!==void 0&&i.errors.length>0)throw Ue(i.errors,r.status);if(i.data===void 0||i.data===null)throw new G(`UNEXPECTED_RESPONSE`,`the response had neither data nor errors`,void 0,r.status);return{data:i.data,extensions:i.extensions??{}}}};function gt(e){return e instanceof Error&&e.name===`AbortError`}function _t(e){let t=new ht(e),n=async(e,n,r)=>(await t.execute(e,n,r)).data,r=async(e,n)=>{let{providerKey:r,...i}=n,{data:a,extensions:o}=await t.execute(Ae,{inputs:e,...i},r?{headers:{"x-provider-key":r}}:{}),s=o.memory;return vt(a.storeMemories,{replay:{replayed:s?.replay!==void 0,deletedSince:s?.replay?.deletedSince??[]},facts:s?.facts??null})},i=async(e={})=>(await n(Be,e)).vaultsConnection;return{url:t.baseUrl,request:n,execute:t.execute.bind(t),subscribe:(e,n,r)=>pt(t,e,n,r),async me(){return(await n(Re,{})).me},async store(e,t={}){let n=await r([e],t);return vt(n[0],n)},storeMany(e,t={}){return r(e,t)},async search(e,n){let{data:r,extensions:i}=await t.execute(Ie,{input:e},n);return{...r.search,receipt:i.memory??null}},async vaults(e={}){return(await n(ze,e)).vaults},vaultsPage:i,async*allVaults(e={}){let t=null;for(;;){let n=await i({first:e.pageSize??100,after:t});for(let e of n.edges)yield e.node;if(!n.pageInfo.hasNextPage||n.pageInfo.endCursor===null)return;t=n.pageInfo.endCursor}},async memories(e,t={}){return(await n(Ve,{selector:e,...t})).vault},async memory(e){return(await n(Pe,{id:e})).memory},async deleteMemory(e){return(await n(Me,{id:e})).deleteMemory},async updateMemory(e){return(await n(je,{input:e})).updateMemory},async deleteMemories(e){return(await n(Ne,{ids:e})).deleteMemories},async clearVault(e){return(await n(He,{selector:e})).clearVault},async usage(e={}){let t=e=>e instanceof Date?e.toISOString():e??null;return(await n(Le,{from:t(e.from),to:t(e.to)})).usage},chat(e,n={}){let r=n.providerKey?{"x-provider-key":n.providerKey}:{};return bt(pt(t,ke,{input:e},{headers:r,signal:n.signal}))},memoryEvents(e,n={}){return yt(pt(t,Fe,{vault:e,lastEventId:n.lastEventId??null},{signal:n.signal}),e=>e.memoryEvents)},async exportVault(e,n){let r=await t.send(t.baseUrl+Ze(e,`export`),{headers:t.headers(),...n?.signal?{signal:n.signal}:{}});if(!r.ok)throw await We(r);let i=r.headers.get(`content-disposition`)??``;return{filename:/filename="([^"]+)"/.exec(i)?.[1]??`vault.jsonl`,memoryCount:Number(r.headers.get(`x-memory-count`)??0),response:r}},importVault(e,n,r){return $e(t,e,n,r)}}}function vt(e,t){return Object.defineProperties(e,{replay:{value:t.replay,enumerable:!1},facts:{value:t.facts,enumerable:!1}})}async function*yt(e,t){for await(let n of e)yield t(n)}async function*bt(e){for await(let t of e)yield t.chat}var xt=Symbol.for(`pv`),St=0;Array.isArray;function X(t,n,r,i,a,o){n||={};var s,c,l=n;if(`ref`in l&&typeof t!=`function`)for(c in l={},n)c==`ref`?s=n[c]:l[c]=n[c];var u={type:t,props:l,key:r,ref:s,__k:null,__:null,__b:0,__e:null,__c:null,constructor:xt,__v:--St,__i:-1,__u:0};return(a||o)&&(u.__source=a,u.__self=o),e.vnode&&e.vnode(u),u}function Z({error:e}){if(e==null)return null;let t=e instanceof Error?e.message:String(e);return X(`div`,{class:`error`,role:`alert`,children:[X(`strong`,{children:K(e)?e.code:`Error`}),K(e)&&e.reason?X(`code`,{children:e.reason}):null,X(`span`,{children:t})]})}function Ct(e){let[t,n,r]=e.replace(/^#\/?/,``).split(`/`).map(decodeURIComponent);switch(t){case`vault`:return{screen:`vault`,selector:wt(n,r)??{kind:`CORE`}};case`search`:case`chat`:case`usage`:return{screen:t};case`import`:return{screen:`import`,selector:wt(n,r)};default:return{screen:`vaults`}}}function wt(e,t){return e===`core`?{kind:`CORE`}:(e===`session`||e===`ephemeral`)&&t?{kind:e===`session`?`SESSION`:`EPHEMERAL`,id:t}:null}function Tt(e,t=`vault`){let n=e.kind.toLowerCase();return e.kind===`CORE`?`#/${t}/${n}`:`#/${t}/${n}/${encodeURIComponent(e.id??``)}`}function Et(){let[e,t]=B(()=>Ct(location.hash));return V(()=>{let e=()=>t(Ct(location.hash));return addEventListener(`hashchange`,e),()=>removeEventListener(`hashchange`,e)},[]),e}var Dt=new Intl.NumberFormat(`en`),Q=e=>Dt.format(e);function Ot(e){if(e<1024)return`${e} B`;let t=[`KiB`,`MiB`,`GiB`],n=e/1024,r=0;for(;n>=1024&&r<t.length-1;)n/=1024,r++;return`${n.toFixed(+(n<10))} ${t[r]}`}function kt(e){return e?new Date(e).toLocaleString(`en-GB`,{year:`numeric`,month:`short`,day:`numeric`,hour:`2-digit`,minute:`2-digit`}):`—`}function At(e,t=Date.now()){let n=Date.parse(e)-t,r=Math.abs(n),[i,a]=r<36e5?[Math.round(r/6e4),`min`]:r<864e5?[Math.round(r/36e5),`h`]:[Math.round(r/864e5),`d`];return n>=0?`in ${i} ${a}`:`${i} ${a} ago`}function $(e,t){return e===`CORE`||!t?e:`${e} ${t}`}function jt(e){return e.kind===`CORE`?{kind:`CORE`}:{kind:e.kind,id:e.externalId}}function Mt(e,t,n=`${t}s`){return`${Q(e)} ${e===1?t:n}`}function Nt({memory:e,children:t}){let n=e.metadata!==null&&typeof e.metadata==`object`?Object.entries(e.metadata):[];return X(`li`,{class:`card memory`,"data-memory-id":e.id,children:[X(`p`,{class:`content`,children:e.content}),X(`div`,{class:`meta`,children:[X(`span`,{class:`role`,children:e.role}),X(`time`,{dateTime:e.createdAt,children:kt(e.createdAt)}),X(`span`,{children:[e.tokens,` tokens`]}),n.map(([e,t])=>X(`span`,{class:`chip`,children:[e,`: `,typeof t==`string`?t:JSON.stringify(t)]},e)),t]})]})}function Pt({legend:e,windows:t,limits:n,onChange:r}){return X(`fieldset`,{class:`wide`,children:[X(`legend`,{children:e}),t.map(({window:e,hint:t})=>X(`label`,{class:`window-limit`,children:[X(`span`,{class:`dot ${e.toLowerCase()}`}),` `,e,t===void 0?null:X(y,{children:[` `,X(`small`,{children:t})]}),X(`input`,{name:`limit-${e}`,type:`number`,min:`0`,max:`50`,value:n[e],onInput:t=>r({...n,[e]:Number(t.currentTarget.value)})})]},e))]})}var Ft=[[`openai`,`gpt-4o-mini`],[`anthropic`,`claude-sonnet-4`],[`google`,`gemini-2.5-flash`],[`openrouter`,`meta-llama/llama-3.3-70b`],[`compatible`,`llama3.2`]],It=[[`READ_WRITE`,`READ_WRITE (read, store)`],[`READ`,`READ (inject only)`],[`WRITE`,`WRITE (store only)`],[`OFF`,`OFF (no memory)`]],Lt=[`HOT`,`WORKING`,`LONG_TERM`,`ARCHIVE`];function Rt({client:e}){let[t,n]=B(Ft[0][0]),[r,i]=B(Ft[0][1]),[a,o]=B(``),[s,c]=B(`READ_WRITE`),[l,u]=B(``),[d,f]=B(``),[p,m]=B({HOT:4,WORKING:4,LONG_TERM:4,ARCHIVE:0}),[h,g]=B(``),[_,v]=B(``),[y,b]=B(null),[x,S]=B(null),[C,w]=B(!1),[T,ee]=B(!1),E=H(null);return V(()=>()=>E.current?.abort(),[]),X(`section`,{children:[X(`header`,{class:`screen-header`,children:X(`h1`,{children:`Chat playground`})}),X(`form`,{class:`card chat-form`,onSubmit:async n=>{n.preventDefault(),E.current?.abort();let i=new AbortController;E.current=i,S(null),v(``),b(null),ee(!1),w(!0);let o={model:`${t}/${r.trim()}`,messages:[{role:`USER`,content:h}],memoryMode:s,windows:Lt.map(e=>({window:e,limit:p[e]??0})),...l.trim()===``?{}:{sessionId:l.trim()},...d.trim()===``?{}:{conversationId:d.trim()}};try{let t=``;for await(let n of e.chat(o,{...a===``?{}:{providerKey:a},signal:i.signal}))n.delta&&v(t+=n.delta),n.done&&n.result&&(v(n.result.content),b(n.result))}catch(e){i.signal.aborted||S(e)}finally{E.current===i&&w(!1)}},children:[X(`label`,{children:[`Provider`,X(`select`,{name:`provider`,value:t,onChange:e=>{let t=Ft.find(([t])=>t===e.currentTarget.value);n(e.currentTarget.value),t&&i(t[1])},children:Ft.map(([e])=>X(`option`,{value:e,children:e},e))})]}),X(`label`,{children:[`Model`,X(`input`,{name:`model`,value:r,onInput:e=>i(e.currentTarget.value),required:!0})]}),X(`label`,{class:`wide`,children:[`Provider key`,X(`input`,{name:`providerKey`,type:`password`,autocomplete:`off`,value:a,onInput:e=>o(e.currentTarget.value),placeholder:`sk-…`})]}),X(`p`,{class:`notice wide`,"data-testid":`provider-key-notice`,children:`Your provider key stays in this page's memory only: it is never saved in the browser's storage, and is sent only with this chat, to MemoryRouter, which passes it to the provider. Reloading or leaving the page forgets it.`}),X(`label`,{children:[`Memory mode`,X(`select`,{name:`memoryMode`,value:s,onChange:e=>c(e.currentTarget.value),children:It.map(([e,t])=>X(`option`,{value:e,children:t},e))})]}),X(`label`,{children:[`Session vault (optional)`,X(`input`,{name:`sessionId`,value:l,onInput:e=>u(e.currentTarget.value),placeholder:`user-42`})]}),X(`label`,{children:[`Conversation (EPHEMERAL vault, optional)`,X(`input`,{name:`conversationId`,value:d,onInput:e=>f(e.currentTarget.value),placeholder:`chat-7`})]}),X(Pt,{legend:`Memories injected per window`,windows:Lt.map(e=>({window:e})),limits:p,onChange:m}),X(`label`,{class:`wide`,children:[`Message`,X(`textarea`,{name:`message`,value:h,onInput:e=>g(e.currentTarget.value),placeholder:`What should I cook tonight?`,required:!0})]}),X(`div`,{class:`actions wide`,children:[X(`button`,{type:`submit`,disabled:C,children:C?`Answering…`:`Send`}),C?X(`button`,{type:`button`,class:`secondary`,onClick:()=>{E.current?.abort(),E.current=null,w(!1),ee(!0)},children:`Stop`}):null]})]}),X(Z,{error:x}),_!==``||y?X(`div`,{class:`card chat-answer`,"data-testid":`chat-answer`,"aria-live":`polite`,"aria-busy":C?`true`:`false`,children:_}):null,X(`p`,{class:`notice chat-status`,role:`status`,"aria-live":`polite`,"data-testid":`chat-status`,children:C?`Answering…`:T?X(`span`,{"data-testid":`chat-stopped`,children:`Stopped: the answer above is what arrived before you stopped it.`}):y?`Answer complete: ${Mt(y.memory.hits.length,`memory`,`memories`)} injected.`:null}),y?X(zt,{result:y}):null]})}function zt({result:e}){let{memory:t}=e;return X(`details`,{class:`card receipt`,open:!0,"data-testid":`chat-receipt`,children:[X(`summary`,{children:`Receipt`}),X(`dl`,{children:[X(`dt`,{children:`Provider`}),X(`dd`,{"data-field":`provider`,children:e.provider}),X(`dt`,{children:`Model`}),X(`dd`,{children:X(`code`,{children:e.model})}),X(`dt`,{children:`Memory tokens`}),X(`dd`,{"data-field":`memoryTokens`,children:Q(t.memoryTokens)}),X(`dt`,{children:`Turn stored`}),X(`dd`,{"data-field":`turn`,children:t.turn?t.turn.stored?`yes (${Mt(t.turn.memories,`memory`,`memories`)})`:`no${t.turn.reason?` (${t.turn.reason})`:``}`:`—`}),X(`dt`,{children:`Memories injected`}),X(`dd`,{"data-field":`hits`,children:t.hits.length})]}),X(`ol`,{class:`memory-list`,children:t.hits.map(e=>X(Nt,{memory:e.memory,children:[X(`span`,{class:`chip`,children:e.window}),X(`span`,{class:`chip`,children:$(e.memory.vault.kind,e.memory.vault.externalId)})]},e.memory.id))})]})}function Bt({client:e,initial:t}){let[n,r]=B(t?.kind??`CORE`),[i,a]=B(t?.id??``),[o,s]=B(null),[c,l]=B(null),[u,d]=B(null),[f,p]=B(null),[m,h]=B(!1),g=n===`CORE`?{kind:n}:{kind:n,id:i};return X(`section`,{children:[X(`header`,{class:`screen-header`,children:X(`h1`,{children:`Import JSONL`})}),X(`form`,{class:`card import-form`,onSubmit:async t=>{if(t.preventDefault(),o!==null){h(!0),p(null),d(null);try{d(await e.importVault(g,o,{onProgress:l,linesPerRequest:100}))}catch(e){p(e)}finally{h(!1)}}},children:[X(`label`,{children:[`Vault`,X(`select`,{name:`kind`,value:n,onChange:e=>r(e.currentTarget.value),children:[X(`option`,{value:`CORE`,children:`CORE`}),X(`option`,{value:`SESSION`,children:`SESSION`}),X(`option`,{value:`EPHEMERAL`,children:`EPHEMERAL`})]})]}),n===`CORE`?null:X(`label`,{children:[n===`SESSION`?`Session id`:`Conversation id`,X(`input`,{name:`vault-id`,value:i,onInput:e=>a(e.currentTarget.value),required:!0})]}),X(`label`,{class:`wide`,children:[X(`span`,{children:[`File: an export, or lines like`,` `,X(`code`,{children:`{"content": "…", "role": "user", "timestamp": 1764000000000}`})]}),X(`input`,{name:`file`,type:`file`,accept:`.jsonl,.ndjson,application/x-ndjson,text/plain`,onChange:e=>s(e.currentTarget.files?.[0]??null),required:!0})]}),X(`button`,{type:`submit`,disabled:m||o===null,children:m?`Importing…`:`Import`})]}),c?X(`div`,{class:`card import-progress`,children:[X(`progress`,{max:Math.max(c.totalLines,1),value:c.linesDone,"aria-label":`Import progress`}),X(`p`,{"data-field":`progress`,children:[Q(c.linesDone),` / `,Q(c.totalLines),` lines ·`,` `,Q(c.imported),` imported · `,Q(c.skipped),` skipped ·`,` `,Q(c.failed),` failed`]})]}):null,X(Z,{error:f}),X(`p`,{class:`sr-only`,role:`status`,"aria-live":`polite`,"data-testid":`import-status`,children:m&&c?`${Q(c.linesDone)} of ${Q(c.totalLines)} lines`:u?`Import finished: ${Q(u.imported)} imported, ${Q(u.skipped)} skipped, ${Q(u.failed)} failed.`:``}),u?X(`div`,{class:`card import-report`,"data-testid":`import-report`,children:[X(`h2`,{children:`Report`}),X(`dl`,{class:`facts`,children:[X(`dt`,{children:`Imported`}),X(`dd`,{"data-field":`imported`,children:Q(u.imported)}),X(`dt`,{children:`Skipped`}),X(`dd`,{"data-field":`skipped`,children:Q(u.skipped)}),X(`dt`,{children:`Failed`}),X(`dd`,{"data-field":`failed`,children:Q(u.failed)}),X(`dt`,{children:`Memory tokens billed`}),X(`dd`,{"data-field":`memoryTokens`,children:Q(u.memoryTokens)})]}),u.failures.length>0?X(`table`,{class:`failures`,children:[X(`thead`,{children:X(`tr`,{children:[X(`th`,{children:`Line`}),X(`th`,{children:`Why`})]})}),X(`tbody`,{children:u.failures.map(e=>X(`tr`,{children:[X(`td`,{children:e.line}),X(`td`,{children:e.reason})]},e.line))})]}):null,X(`a`,{href:Tt(g),children:[`Open `,$(g.kind,g.id)]})]}):null]})}var Vt=[[`1 min`,6e4],[`1 h`,36e5],[`1 d`,864e5],[`1 w`,6048e5],[`30 d`,2592e6],[`1 y`,31536e6],[`5 y`,15768e7]];function Ht({hits:e,now:t}){let n=Vt[0][1],r=Math.max(Vt.at(-1)[1],...e.map(e=>t-Date.parse(e.memory.createdAt))),i=Math.log(r/n),a=e=>576-Math.log(Math.max(e,n)/n)/i*552;return X(`figure`,{class:`timeline`,children:[X(`svg`,{viewBox:`0 0 600 56`,role:`img`,"aria-label":`Where the hits fall in time`,children:[X(`line`,{x1:24,x2:576,y1:`24`,y2:`24`,class:`axis`}),Vt.map(([e,t])=>X(`g`,{children:[X(`line`,{x1:a(t),x2:a(t),y1:`19`,y2:`29`,class:`tick`}),X(`text`,{x:a(t),y:`46`,"text-anchor":`middle`,children:e})]},e)),e.map(e=>X(`circle`,{class:`dot ${e.window.toLowerCase()}`,cx:a(t-Date.parse(e.memory.createdAt)),cy:`24`,r:`6`,children:X(`title`,{children:`${e.window}: ${At(e.memory.createdAt,t)} — ${e.memory.content.slice(0,80)}`})},`${e.window}:${e.memory.id}`))]}),X(`figcaption`,{children:`Hits by age, back from the reference time (log scale; right is newest)`})]})}function Ut({vaults:e}){return!e.hasMore||e.vaults===null?null:X(`p`,{class:`more-vaults`,"data-testid":`more-vaults`,children:[X(`span`,{children:[`The first `,Q(e.vaults.length),` vaults are shown; this key has more.`]}),X(`button`,{type:`button`,class:`secondary`,onClick:e.showMore,disabled:e.loadingMore,children:e.loadingMore?`Loading…`:`Show more vaults`})]})}function Wt(e,t){let[n,r]=B({data:null,error:null,loading:!0}),[i,a]=B(0),o=H(0),s=H(!1),c=H(!1),l=H(null);V(()=>{let n=++o.current;s.current=!0;let i=l.current!==null&&l.current.length===t.length&&l.current.every((e,n)=>Object.is(e,t[n]));l.current=t,r(e=>i?{...e,loading:!0}:{data:null,error:null,loading:!0});let u=e=>{n===o.current&&(s.current=!1,c.current&&(c.current=!1,a(e=>e+1)),r(e))};e().then(e=>u(()=>({data:e,error:null,loading:!1})),e=>u(t=>({data:K(e,`UNAUTHENTICATED`)?null:t.data,error:e,loading:!1})))},[...t,i]);let u=be(()=>{s.current?c.current=!0:(s.current=!0,a(e=>e+1))},[]);return{...n,reload:u}}function Gt(e){let t=Wt(()=>e.vaultsPage({first:100}),[e]),[n,r]=B({after:null,pages:[]}),[i,a]=B(!1),[o,s]=B(null),c=t.data,l=c===null?[]:[c,...n.after===c?n.pages:[]],u=l.at(-1),d=u?.pageInfo.hasNextPage===!0&&u.pageInfo.endCursor!==null;return{vaults:c===null?null:l.flatMap(e=>e.edges.map(e=>e.node)),hasMore:d,showMore:()=>{d&&!i&&c!==null&&(a(!0),s(null),e.vaultsPage({first:100,after:u.pageInfo.endCursor}).then(e=>{r(t=>t.after===c?{after:c,pages:[...t.pages,e]}:{after:c,pages:[e]}),a(!1)},e=>{s({after:c,error:e}),a(!1)}))},loadingMore:i,error:t.error??(o?.after===c?o.error:null),reload:t.reload}}var Kt=[{window:`HOT`,hint:`last hours`,limit:4},{window:`WORKING`,hint:`last days`,limit:4},{window:`LONG_TERM`,hint:`last months`,limit:4},{window:`ARCHIVE`,hint:`older`,limit:0}];function qt({client:e}){let t=Gt(e),[n,r]=B(``),[i,a]=B(`HYBRID`),[o,s]=B(()=>Object.fromEntries(Kt.map(e=>[e.window,e.limit]))),[c,l]=B([`CORE`]),[u,d]=B(``),[f,p]=B(``),[m,h]=B(null),[g,_]=B(null),[v,y]=B(!1),b=(t.vaults??[]).map(e=>({value:$(e.kind,e.externalId),selector:jt(e)}));return X(`section`,{children:[X(`header`,{class:`screen-header`,children:X(`h1`,{children:`Search playground`})}),X(`form`,{class:`card search-form`,onSubmit:async t=>{t.preventDefault(),_(null);let r;if(u.trim()!==``)try{r=JSON.parse(u)}catch{_(Error(`The metadata filter is not valid JSON, e.g. {"topic": "health"}`));return}let a=f===``?Date.now():Date.parse(f),s=b.filter(e=>c.includes(e.value)).map(e=>e.selector),l={query:n,mode:i,windows:Kt.map(({window:e})=>({window:e,limit:o[e]??0})),...s.length>0?{vaults:s}:{},...r===void 0?{}:{metadata:r},...f===``?{}:{now:new Date(a).toISOString()}};y(!0),h(null);try{h({result:await e.search(l),now:a})}catch(e){_(e)}finally{y(!1)}},children:[X(`label`,{class:`wide`,children:[`Query`,X(`input`,{name:`query`,value:n,onInput:e=>r(e.currentTarget.value),placeholder:`what colour do I like?`,required:!0})]}),X(`label`,{children:[`Mode`,X(`select`,{name:`mode`,value:i,onChange:e=>a(e.currentTarget.value),children:[X(`option`,{value:`HYBRID`,children:`HYBRID (meaning and words)`}),X(`option`,{value:`VECTOR`,children:`VECTOR (meaning)`}),X(`option`,{value:`TEXT`,children:`TEXT (words, BM25)`})]})]}),X(`label`,{children:[X(`span`,{children:[`Reference time (`,X(`code`,{children:`now`}),`, default: the server's clock)`]}),X(`input`,{name:`now`,type:`datetime-local`,value:f,onInput:e=>p(e.currentTarget.value)})]}),X(Pt,{legend:`Hits per window`,windows:Kt,limits:o,onChange:s}),X(`fieldset`,{class:`wide`,children:[X(`legend`,{children:`Vaults`}),b.length===0?X(`small`,{children:`CORE (no vault holds memories yet)`}):null,b.map(e=>X(`label`,{class:`check`,children:[X(`input`,{type:`checkbox`,checked:c.includes(e.value),onChange:t=>l(t.currentTarget.checked?[...c,e.value]:c.filter(t=>t!==e.value))}),e.value]},e.value)),X(Ut,{vaults:t})]}),X(`label`,{class:`wide`,children:[`Metadata filter (JSON object, all pairs must match)`,X(`input`,{name:`metadata`,value:u,onInput:e=>d(e.currentTarget.value),placeholder:`{"topic": "health"}`})]}),X(`button`,{type:`submit`,disabled:v,children:v?`Searching…`:`Search`})]}),X(Z,{error:g??t.error}),X(`p`,{class:`sr-only`,role:`status`,"aria-live":`polite`,"data-testid":`search-status`,children:v?`Searching…`:m?`${Xt(m.result.hits.length,`hit`)} found${m.result.notice?`: ${m.result.notice.reason}`:``}.`:``}),m?X(Jt,{answer:m}):null]})}function Jt({answer:e}){let{result:t,now:n}=e;return X(`div`,{class:`results`,children:[X(`p`,{class:`summary`,children:[Xt(t.hits.length,`hit`),` · `,Q(t.memoryTokens),` memory tokens`]}),t.notice?X(`p`,{class:`notice`,"data-testid":`search-notice`,children:[X(`code`,{children:t.notice.reason}),` `,t.notice.message]}):null,t.hits.length>0?X(Ht,{hits:t.hits,now:n}):null,Kt.map(({window:e})=>{let n=t.hits.filter(t=>t.window===e);return n.length===0?null:X(`section`,{class:`window-group`,"data-window":e,children:[X(`h2`,{children:[X(`span`,{class:`dot ${e.toLowerCase()}`}),` `,e,` `,X(`small`,{children:Xt(n.length,`hit`)})]}),X(`ol`,{class:`memory-list`,children:n.map(e=>X(Nt,{memory:e.memory,children:[X(`span`,{class:`score`,title:`score`,children:[`score `,e.score.toFixed(4)]}),X(`span`,{class:`chip`,children:$(e.memory.vault.kind,e.memory.vault.externalId)})]},e.memory.id))})]},e)}),t.receipt?X(Yt,{receipt:t.receipt}):null]})}function Yt({receipt:e}){return X(`details`,{class:`card receipt`,open:!0,children:[X(`summary`,{children:`Receipt`}),X(`dl`,{children:[X(`dt`,{children:`Memory tokens`}),X(`dd`,{children:Q(e.memoryTokens)}),X(`dt`,{children:`Windows`}),X(`dd`,{children:e.windows.map(e=>`${e.window} ${e.hits}`).join(` · `)||`—`}),X(`dt`,{children:`Vault calls`}),X(`dd`,{children:e.vaults.map(e=>X(`div`,{children:[X(`code`,{children:e.vault}),` × `,e.calls,`, `,e.elapsedMs.toFixed(2),` ms`]},e.vault))})]})]})}var Xt=(e,t)=>`${e} ${t}${e===1?``:`s`}`,Zt=`memoryrouter.memoryKey`;function Qt(){return sessionStorage.getItem(Zt)}function $t(e){sessionStorage.setItem(Zt,e)}function en(){sessionStorage.removeItem(Zt)}var tn=new Set([`KEY_REVOKED`,`KEY_UNKNOWN`,`MALFORMED_CREDENTIAL`]);function nn(e,t){let n=_t({url:location.origin,key:e,...t?{fetch:sn(t)}:{}});return t?{...n,memoryEvents:(e,r)=>on(n.memoryEvents(e,r),t),chat:(e,r)=>on(n.chat(e,r),t)}:n}function rn(e){return K(e,`UNAUTHENTICATED`)&&e.reason!==void 0&&tn.has(e.reason)?e.reason:null}function an(e){return K(e,`PAYMENT_REQUIRED`)&&e.reason===`ACCOUNT_SUSPENDED`}async function*on(e,t){try{yield*e}catch(e){let n=rn(e);throw n!==null&&t(n),e}}function sn(e){return async(t,n)=>{let r=await fetch(t,n);return/^application\/(graphql-response\+)?json\b/.test(r.headers.get(`content-type`)??``)&&cn(r.clone()).then(t=>t&&e(t)),r}}async function cn(e){try{let t=await e.json(),n=[...(t.errors??[]).map(e=>e.extensions),t.error];for(let e of n)if(e?.code===`UNAUTHENTICATED`&&typeof e.reason==`string`&&tn.has(e.reason))return e.reason;return null}catch{return null}}function ln({onSignedIn:e,refusedBecause:t=null}){let[n,r]=B(``),[i,a]=B(null),[o,s]=B(!1),c=async t=>{t.preventDefault(),s(!0),a(null);try{let t=un(n);e(t,await nn(t).me())}catch(e){a(e)}finally{s(!1)}},l=K(i,`INVALID_KEY`)?i:null;return X(`main`,{class:`sign-in`,children:[X(`h1`,{children:`MemoryRouter`}),t===null?null:X(dn,{reason:t}),X(`form`,{onSubmit:c,class:`card`,children:[X(`label`,{for:`memory-key`,children:`Memory key`}),X(`input`,{id:`memory-key`,type:`password`,autocomplete:`off`,placeholder:`mk_…`,value:n,onInput:e=>r(e.currentTarget.value),required:!0,"aria-invalid":l?`true`:void 0,"aria-describedby":l?`memory-key-error`:void 0}),l?X(`p`,{id:`memory-key-error`,class:`field-error`,role:`alert`,children:[X(`strong`,{children:l.code}),` `,l.message]}):null,X(`button`,{type:`submit`,disabled:o||un(n)===``,children:o?`Checking…`:`Sign in`}),X(`p`,{class:`hint`,children:[`Kept in this tab's session storage only; closing the tab signs you out. Create a key with`,` `,X(`code`,{children:`npm run key:create`}),`.`]}),X(Z,{error:l?null:i})]})]})}function un(e){return e.trim().replace(/^bearer\s+/i,``)}function dn({reason:e}){return X(`div`,{class:`error`,role:`alert`,"data-testid":`signed-out`,children:[X(`strong`,{children:`Signed out`}),X(`code`,{children:e}),X(`span`,{children:[e===`KEY_REVOKED`?`This memory key was revoked, so the console forgot it.`:`The server no longer accepts this memory key, so the console forgot it.`,` `,`Sign in with another key.`]})]})}function fn({bars:e,title:t}){let n=Math.max(1,...e.map(e=>e.value)),r=e.length===0?0:600/e.length-2;return X(`figure`,{class:`chart`,children:[X(`svg`,{viewBox:`0 0 600 138`,role:`img`,"aria-label":t,children:[e.map((t,i)=>{let a=Math.round(t.value/n*120),o=i*(r+2);return X(`g`,{class:`bar`,"data-value":t.value,children:[X(`title`,{children:`${t.label}: ${Q(t.value)} memory tokens`}),X(`rect`,{x:o,y:120-a,width:r,height:Math.max(a,+(t.value>0))}),(e.length-1-i)%7==0?X(`text`,{x:i===e.length-1?o+r:o+r/2,y:134,"text-anchor":i===e.length-1?`end`:`middle`,children:t.label.slice(5)}):null]},t.label)}),X(`line`,{x1:`0`,x2:600,y1:120,y2:120,class:`axis`})]}),X(`figcaption`,{children:[t,` (peak `,Q(n===1&&e.every(e=>e.value===0)?0:n),`)`]})]})}var pn=30,mn=864e5;function hn(e,t){let n=new Map(e.map(e=>[e.date,e.memoryTokens]));return Array.from({length:pn},(e,r)=>{let i=new Date(t-(29-r)*mn).toISOString().slice(0,10);return{label:i,value:n.get(i)??0}})}function gn(e,t){return e===t?.id?t.name??null:null}function _n({client:e,me:t}){let n=Date.now(),r=Wt(()=>e.usage({from:new Date(n-29*mn)}),[e]),i=r.data;return X(`section`,{children:[X(`header`,{class:`screen-header`,children:[X(`h1`,{children:`Usage`}),X(`button`,{type:`button`,class:`secondary`,onClick:r.reload,children:`Refresh`})]}),X(Z,{error:r.error}),i?X(y,{children:[X(`dl`,{class:`facts card`,children:[X(`dt`,{children:[`Memory tokens, last `,pn,` days`]}),X(`dd`,{"data-field":`memory-tokens`,children:Q(i.memoryTokens)}),X(`dt`,{children:`Cost at $1.00 per million`}),X(`dd`,{children:[`$`,i.costUsd.toFixed(4)]})]}),X(fn,{title:`Account, memory tokens per day`,bars:hn(i.days,n)}),i.keys.map(e=>{let r=gn(e.keyId,t);return X(`div`,{class:`card key-usage`,children:[X(`h2`,{children:[`Key `,r===null?null:`“${r}” `,X(`code`,{children:e.keyId}),` `,X(`small`,{children:[Q(e.memoryTokens),` memory tokens`]})]}),X(fn,{title:`Key ${r===null?e.keyId:`“${r}”`}, memory tokens per day`,bars:hn(e.days,n)})]},e.keyId)})]}):null]})}var vn=`(max-width: 600px)`;function yn({client:e,selector:t,onStored:n}){let[r,i]=B(``),[a,o]=B(``),[s,c]=B(``),[l,u]=B(null),[d,f]=B(!1),[p]=B(()=>!matchMedia(vn).matches);return X(`details`,{class:`card add-memory-panel`,open:p,children:[X(`summary`,{children:`Add a memory`}),X(`form`,{class:`add-memory`,onSubmit:async l=>{if(l.preventDefault(),d)return;u(null);let p;if(a.trim()!==``)try{p=JSON.parse(a)}catch{u(Error(`Metadata is not valid JSON, e.g. {"topic": "health"}`));return}f(!0);let m={content:r,metadata:a,date:s},h=e=>t=>t===e?``:t;try{let r=await e.store({content:m.content,vault:t,...p===void 0?{}:{metadata:p},...m.date===``?{}:{createdAt:new Date(m.date).toISOString()}});i(h(m.content)),o(h(m.metadata)),c(h(m.date)),n(r)}catch(e){u(e)}finally{f(!1)}},"aria-label":`Add a memory`,children:[X(`label`,{class:`wide`,children:[`Memory`,X(`textarea`,{name:`content`,value:r,onInput:e=>i(e.currentTarget.value),placeholder:`I am allergic to peanuts`,required:!0})]}),X(`label`,{children:[`Metadata (JSON object, optional)`,X(`input`,{name:`metadata`,value:a,onInput:e=>o(e.currentTarget.value),placeholder:`{"topic": "health"}`})]}),X(`label`,{children:[`Date (optional, default: now)`,X(`input`,{name:`createdAt`,type:`datetime-local`,value:s,onInput:e=>c(e.currentTarget.value)})]}),X(`button`,{type:`submit`,disabled:d,children:d?`Storing…`:`Add memory`}),X(`div`,{class:`wide`,children:X(Z,{error:l})})]})]})}function bn({error:e,onReconnect:t}){let n=K(e)?e:null,r=an(e);return X(`div`,{class:`error`,role:`alert`,"data-testid":`live-stopped`,children:[X(`strong`,{children:`Live updates stopped`}),n?X(`code`,{children:n.code}):null,n?.reason?X(`code`,{children:n.reason}):null,X(`span`,{children:r?`This account is suspended for billing, so the server ended live updates. Its memories can still be read, paged through and exported here; storing, searching, chat and live updates come back once billing is restored (the account’s Stripe invoice paid or its subscription active again).`:e===null?`The server closed the stream. This page no longer updates by itself; Refresh still reads it.`:`${e instanceof Error?e.message:String(e)}. This page no longer updates by itself; Refresh still reads it.`}),X(`button`,{type:`button`,class:`secondary`,onClick:t,children:`Reconnect`})]})}var xn=(e,t,{onChange:n,onStopped:r})=>{let i=new AbortController;return(async()=>{try{let a=e.memoryEvents(t,{signal:i.signal});for(;!(await a.next()).done;)n();i.signal.aborted||r(null)}catch(e){i.signal.aborted||r(e)}})(),()=>i.abort()},Sn=20;function Cn({client:e,selector:t}){let[n,r]=B(`NEWEST_FIRST`),i=`${t.kind}:${t.id??``}:${n}`,[a,o]=B({listing:i,cursors:[null]}),s=a.listing===i?a.cursors:[null],c=e=>o({listing:i,cursors:e}),l=s.at(-1)??null,u=Wt(()=>e.memories(t,{first:Sn,after:l,order:n}),[e,t.kind,t.id,l,n]),[d,f]=B(null),[p,m]=B(null),[h,g]=B(0);V(()=>(m(null),xn?.(e,t,{onChange:u.reload,onStopped:e=>rn(e)===null&&m({error:e})})),[e,t.kind,t.id,h]);let _=()=>{g(e=>e+1),u.reload()},v=u.data,b=$(t.kind,t.id),x=e=>async()=>{f(null);try{await e(),u.reload()}catch(e){f(e)}};return X(`section`,{children:[X(`header`,{class:`screen-header`,children:[X(`h1`,{class:`vault-title`,title:b,children:[X(`a`,{href:`#/vaults`,children:`Vaults`}),` / `,b]}),X(`div`,{class:`actions`,children:[X(`button`,{type:`button`,class:`secondary`,onClick:u.reload,children:`Refresh`}),X(En,{client:e,selector:t,onError:f}),X(`a`,{class:`button secondary`,href:Tt(t,`import`),children:`Import`})]})]}),p?X(bn,{error:p.error,onReconnect:_}):null,X(Z,{error:u.error}),X(Z,{error:d}),u.error===null&&!(p&&an(p.error))?X(yn,{client:e,selector:t,onStored:u.reload},`${t.kind}:${t.id??``}`):null,u.data===null&&!u.loading&&u.error===null?X(`p`,{class:`empty`,"data-testid":`vault-empty`,children:`This vault holds no memories: it was never written, or it was cleared.`}):null,v?X(y,{children:[X(`dl`,{class:`facts card`,children:[X(`dt`,{children:`Memories`}),X(`dd`,{"data-field":`count`,children:Q(v.memoryCount)}),X(`dt`,{children:`Size`}),X(`dd`,{children:Ot(v.storageBytes)}),X(`dt`,{children:`Embedding model`}),X(`dd`,{children:[X(`code`,{children:v.embeddingModel}),` (`,v.dimensions,` dims)`]}),X(`dt`,{children:`Last write`}),X(`dd`,{children:kt(v.lastWriteAt)}),X(`dt`,{children:`TTL`}),X(`dd`,{children:v.expiresAt?`expires ${At(v.expiresAt)}`:`kept until deleted`})]}),X(`div`,{class:`toolbar`,children:[X(`label`,{children:[`Order`,` `,X(`select`,{value:n,onChange:e=>r(e.currentTarget.value),children:[X(`option`,{value:`NEWEST_FIRST`,children:`newest first`}),X(`option`,{value:`OLDEST_FIRST`,children:`oldest first`})]})]}),X(`span`,{children:[`Page `,s.length,` · `,Mt(v.memories.totalCount,`memory`,`memories`)]})]}),X(`ol`,{class:`memory-list`,children:v.memories.edges.map(({node:t})=>X(Nt,{memory:t,children:X(wn,{onDelete:x(()=>e.deleteMemory(t.id)),memory:t})},t.id))}),X(`nav`,{class:`pager`,children:[X(`button`,{type:`button`,class:`secondary`,disabled:s.length===1,onClick:()=>c(s.slice(0,-1)),children:`← Previous`}),X(`button`,{type:`button`,class:`secondary`,disabled:!v.memories.pageInfo.hasNextPage,onClick:()=>c([...s,v.memories.pageInfo.endCursor]),children:`Next →`})]}),X(Tn,{label:b,onClear:x(()=>e.clearVault(t))})]}):null]})}function wn({onDelete:e,memory:t}){let[n,r]=B(!1);return X(`button`,{type:`button`,class:n?`danger`:`secondary`,"aria-label":n?`Really delete ${t.id}`:`Delete ${t.id}`,onClick:()=>n?e():r(!0),onBlur:()=>r(!1),children:n?`Really delete?`:`Delete`})}function Tn({label:e,onClear:t}){let[n,r]=B(!1),[i,a]=B(``);return n?X(`form`,{class:`card confirm`,onSubmit:e=>{e.preventDefault(),r(!1),a(``),t()},children:[X(`p`,{children:[`This deletes every memory of `,X(`strong`,{children:e}),` for good. Type `,X(`code`,{children:e}),` to confirm.`]}),X(`input`,{"aria-label":`Vault name`,value:i,onInput:e=>a(e.currentTarget.value)}),X(`div`,{class:`actions`,children:[X(`button`,{type:`submit`,class:`danger`,disabled:i!==e,children:[`Clear `,e]}),X(`button`,{type:`button`,class:`secondary`,onClick:()=>r(!1),children:`Cancel`})]})]}):X(`button`,{type:`button`,class:`danger`,onClick:()=>r(!0),children:`Clear vault…`})}function En({client:e,selector:t,onError:n}){let[r,i]=B(!1);return X(`button`,{type:`button`,class:`secondary`,onClick:async()=>{i(!0),n(null);try{let n=await e.exportVault(t),r=URL.createObjectURL(await n.response.blob()),i=document.createElement(`a`);i.href=r,i.download=n.filename,i.click(),setTimeout(()=>URL.revokeObjectURL(r),6e4)}catch(e){n(e)}finally{i(!1)}},disabled:r,children:r?`Exporting…`:`Export JSONL`})}function Dn({client:e}){let t=Gt(e);return X(`section`,{children:[X(`header`,{class:`screen-header`,children:[X(`h1`,{children:`Vaults`}),X(`button`,{type:`button`,class:`secondary`,onClick:t.reload,children:`Refresh`})]}),X(Z,{error:t.error}),t.vaults?.every(e=>e.memoryCount===0)&&!t.hasMore?X(`p`,{class:`empty`,children:`No vault holds memories yet. Store one through the API, or import a file.`}):null,X(`div`,{class:`vault-list`,children:t.vaults?.map(e=>X(`a`,{class:`card vault`,href:Tt(jt(e)),"data-testid":`vault`,children:[X(`h2`,{children:[X(`span`,{class:`kind ${e.kind.toLowerCase()}`,children:e.kind}),e.externalId?X(`span`,{class:`vault-id`,title:e.externalId,children:e.externalId}):null]}),X(`dl`,{children:[X(`dt`,{children:`Memories`}),X(`dd`,{"data-field":`count`,children:[Q(e.memoryCount),` `,X(`small`,{children:[`of `,Q(e.capacity)]})]}),X(`dt`,{children:`Size`}),X(`dd`,{children:Ot(e.storageBytes)}),X(`dt`,{children:`Embedding model`}),X(`dd`,{children:[X(`code`,{children:e.embeddingModel}),` `,X(`small`,{children:[e.dimensions,` dims`]})]}),X(`dt`,{children:`Last write`}),X(`dd`,{children:kt(e.lastWriteAt)}),X(`dt`,{children:`TTL`}),X(`dd`,{children:e.expiresAt?`expires ${At(e.expiresAt)} (${kt(e.expiresAt)})`:`kept until deleted`})]}),X(`span`,{class:`sr-only`,children:$(e.kind,e.externalId)})]},e.id))}),X(Ut,{vaults:t})]})}var On=[[`vaults`,`Vaults`],[`search`,`Search`],[`chat`,`Chat`],[`usage`,`Usage`],[`import`,`Import`]];function kn(){let[e,t]=B(Qt),[n,r]=B(null),[i,a]=B(null),o=()=>{en(),t(null),r(null),location.hash!==``&&location.hash!==`#/vaults`&&location.replace(`#/vaults`)},s=ye(()=>e===null?null:nn(e,t=>{Qt()===e&&(o(),a(t))}),[e]),c=Et(),[l,u]=xe();if(V(()=>{s!==null&&n===null&&s.me().then(r,()=>{})},[s]),s===null)return X(ln,{refusedBecause:i,onSignedIn:(e,n)=>{$t(e),a(null),r(n),t(e)}});let d=c.screen===`vault`?`vaults`:c.screen;return X(`div`,{class:`shell`,children:[X(`header`,{class:`top`,children:[X(`a`,{class:`brand`,href:`#/vaults`,children:`MemoryRouter`}),X(`nav`,{children:On.map(([e,t])=>X(`a`,{href:`#/${e}`,"aria-current":d===e?`page`:void 0,children:t},e))}),X(`span`,{class:`who`,children:n?n.name??n.id:null}),X(`button`,{type:`button`,class:`secondary`,onClick:o,children:`Sign out`})]}),X(`main`,{children:l?X(y,{children:[X(Z,{error:l}),X(`button`,{type:`button`,onClick:u,children:`Try again`})]}):c.screen===`vault`?X(Cn,{client:s,selector:c.selector}):c.screen===`search`?X(qt,{client:s}):c.screen===`chat`?X(Rt,{client:s}):c.screen===`usage`?X(_n,{client:s,me:n}):c.screen===`import`?X(Bt,{client:s,initial:c.selector},JSON.stringify(c.selector)):X(Dn,{client:s})})]})}var An=document.getElementById(`app`);addEventListener(`unhandledrejection`,e=>{let t=e.reason instanceof Error?e.reason.message:String(e.reason),n=document.createElement(`div`);n.className=`error fatal`,n.setAttribute(`role`,`alert`),n.textContent=`Unexpected error: ${t}`,document.body.prepend(n)}),P(X(kn,{}),An);